package org.agentos.memory.hierarchical;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;

/**
 * One space: its tree of entries and what the store keeps beside it (sizes, the context window's
 * LRU order, locks and semaphores). Mutable; every field is guarded by the store's lock.
 */
final class Space {
    final String name;
    final SpaceKind kind;
    final String owner;
    final boolean persistent;
    final long quotaBytes;
    long tokenBudget;

    PageTree<Entry> tree = PageTree.empty();
    /** Bytes of all values, paged out or not: what quotas count. */
    long logicalBytes;
    long residentBytes;
    long residentTokens;

    /**
     * Copy-on-write accounting (an approximation): bytes of entries this space has not rewritten
     * or deleted since its last fork, while a fork relative lives. The relative's own writes are
     * not subtracted here, so it can overstate what is really still shared.
     */
    long sharedBytes;
    long forkStamp = -1;
    final Set<String> relatives = new HashSet<>();

    /** Resident working entries, least recently used first: key to tokens. */
    final LinkedHashMap<String, Integer> lru = new LinkedHashMap<>(16, 0.75f, true);
    final Set<String> pagedOut = new HashSet<>();

    // Locks and semaphores are in-memory state only: they die with the JVM (their holders, the
    // processes, are restored by the kernel and take them again). Export/import carries them.
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

    Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget) {
        this.name = name;
        this.kind = SpaceKind.of(name);
        this.owner = owner;
        this.persistent = persistent;
        this.quotaBytes = quotaBytes;
        this.tokenBudget = tokenBudget;
    }

    SpaceInfo info() {
        return new SpaceInfo(name, kind, owner, persistent, tree.size(), residentBytes, quotaBytes,
                relatives.isEmpty() ? 0 : Math.max(0, sharedBytes), residentTokens,
                kind == SpaceKind.USER ? tokenBudget : 0, pagedOut.size());
    }

    /** Keeps the sizes and the context window in step with replacing {@code old} by {@code now} (either may be null). */
    void account(Entry old, Entry now) {
        if (old != null) {
            logicalBytes -= old.bytes();
            residentBytes -= old.residentBytes();
            if (old.working()) {
                if (old.resident()) residentTokens -= old.tokens();
                lru.remove(old.key());
                pagedOut.remove(old.key());
            }
            if (!relatives.isEmpty() && old.stamp() <= forkStamp && (now == null || now.stamp() != old.stamp())) {
                sharedBytes -= old.bytes();
            }
        }
        if (now != null) {
            logicalBytes += now.bytes();
            residentBytes += now.residentBytes();
            if (now.working()) {
                if (now.resident()) {
                    residentTokens += now.tokens();
                    lru.put(now.key(), now.tokens());
                } else {
                    pagedOut.add(now.key());
                }
            }
        }
    }
}
