package org.agentos.memory.heap;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;

/**
 * One space: its entries in key order, the archive of its paged-out working entries, the context
 * window's LRU order, its locks and semaphores. Keeps its own sizes in step with every change;
 * the owner's total is {@link HeapMemory}'s. Guarded by HeapMemory's lock.
 */
final class Space {
    final String name;
    final SpaceKind kind;
    final String owner;
    /** Only ever true for a space imported from a persistent manager: kept to be handed back. */
    final boolean persistent;
    final long quotaBytes;
    long tokenBudget;

    final TreeMap<String, Entry> entries = new TreeMap<>();
    final Archive archive = new Archive();
    /** Resident working keys, least recently used first. */
    private final LinkedHashMap<String, Integer> lru = new LinkedHashMap<>(16, 0.75f, true);
    /** Bytes of every value, paged out or not: what quotas count. */
    long bytes;
    long residentBytes;
    long residentTokens;

    final Map<String, Long> locks = new TreeMap<>();
    final Map<String, Semaphore> semaphores = new TreeMap<>();

    static final class Semaphore {
        int available;
        final Map<Long, Integer> held = new HashMap<>();

        Semaphore(int available) {
            this.available = available;
        }

        int total() {
            return available + held.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Owners besides {@link #owner} that may reach it (shared spaces). */
    final Set<String> members;

    Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget) {
        this(name, owner, persistent, quotaBytes, tokenBudget, Set.of());
    }

    Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget, Set<String> members) {
        this.members = members;
        this.name = name;
        this.kind = SpaceKind.of(name);
        this.owner = owner;
        this.persistent = persistent;
        this.quotaBytes = quotaBytes;
        this.tokenBudget = kind == SpaceKind.USER ? tokenBudget : 0;
    }

    SpaceInfo info() {
        // sharedBytes 0: a fork copies the index, so nothing is tracked as shared (see HeapMemory)
        return new SpaceInfo(name, kind, owner, persistent, entries.size(), residentBytes, quotaBytes, 0,
                residentTokens, tokenBudget, archive.size(), members);
    }

    /** Stores a resident entry; returns the one it replaced (null: none). */
    Entry put(Entry now) {
        Entry old = entries.put(now.key(), now);
        forget(old);
        bytes += now.charged();
        residentBytes += now.bytes();
        if (now.working()) {
            residentTokens += now.tokens();
            lru.put(now.key(), now.tokens());
        }
        return old;
    }

    Entry remove(String key) {
        Entry old = entries.remove(key);
        forget(old);
        return old;
    }

    private void forget(Entry old) {
        if (old == null) return;
        bytes -= old.charged();
        if (old.resident()) {
            residentBytes -= old.bytes();
            if (old.working()) {
                residentTokens -= old.tokens();
                lru.remove(old.key());
            }
        } else {
            archive.remove(old.key());
        }
    }

    /** Marks a resident working entry most recently used. */
    void touch(String key) {
        lru.get(key);
    }

    /** Moves a resident working entry to the archive; the resident bytes that leaves (0 if it was not one). */
    long pageOut(String key) {
        Entry e = entries.get(key);
        if (e == null || !e.resident() || !e.working()) return 0;
        archive.put(e);
        entries.put(key, e.stub());
        residentBytes -= e.bytes();
        residentTokens -= e.tokens();
        lru.remove(key);
        return e.bytes();
    }

    /** Brings a paged-out entry back into the window and returns it (resident entries as they are). */
    Entry pageIn(String key) {
        Entry e = entries.get(key);
        if (e == null || e.resident()) return e;
        Entry in = archive.remove(key);
        entries.put(key, in);
        residentBytes += in.bytes();
        residentTokens += in.tokens();
        lru.put(key, in.tokens());
        return in;
    }

    /** The entry with its value: from the archive when paged out, without paging it in. */
    Entry withValue(Entry e) {
        return e.resident() ? e : archive.get(e.key());
    }

    /** Pages out least recently used working entries until the window fits its budget, sparing {@code keep}. */
    void enforceBudget(Set<String> keep) {
        if (kind != SpaceKind.USER || tokenBudget <= 0) return;
        while (residentTokens > tokenBudget) {
            String victim = lru.keySet().stream().filter(k -> !keep.contains(k)).findFirst().orElse(null);
            if (victim == null) return; // what was just written or recalled stays, even alone over budget
            pageOut(victim);
        }
    }

    /** Pages out least recently used entries until {@code bytes} are freed; the bytes freed. */
    long reclaim(long wanted) {
        long freed = 0;
        while (freed < wanted && !lru.isEmpty()) freed += pageOut(lru.keySet().iterator().next());
        return freed;
    }

    /** A fork's eager copy: every entry (immutable, so by reference), the archive and the window's order. */
    void copyInto(Space child) {
        child.entries.putAll(entries);
        archive.copyInto(child.archive);
        child.lru.putAll(lru);
        child.bytes = bytes;
        child.residentBytes = residentBytes;
        child.residentTokens = residentTokens;
    }

    /** For tests: resident working keys, least recently used first. */
    java.util.List<String> window() {
        return java.util.List.copyOf(lru.keySet());
    }
}
