package org.agentos.memory.hierarchical;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;

/**
 * One space: its tree of entries and what the store keeps beside it (sizes, the context window's
 * LRU order, locks and semaphores). Mutable; every field is guarded by this object's monitor
 * (the store's per-space lock), except {@link #tree}, which is also read without it: the tree is
 * immutable and its root is published through a volatile field, so a reader sees a whole version.
 */
final class Space {
    private static final AtomicLong TAGS = new AtomicLong();

    final String name;
    final SpaceKind kind;
    final String owner;
    final boolean persistent;
    final long quotaBytes;
    volatile long tokenBudget;
    /** The process of a user space (0 for the others), and the capabilities that grant access. */
    final long pid;
    final String readCapability;
    final String writeCapability;
    /** Owners besides {@link #owner} that may reach it (shared spaces). */
    final Set<String> members;

    /** Written under the lock, read with or without it. */
    volatile PageTree<Entry> tree = PageTree.empty();
    /** Set under the lock when the space is removed: a writer that looked it up before then looks again. */
    boolean dropped;

    /** Names this space's documents in the {@link Archive}: unique in the JVM, unlike a name that a new space may reuse. */
    final long tag = TAGS.incrementAndGet();
    /**
     * The archive documents this space may reach, as pairs of space tag and the highest archive
     * id of it: its own (all), and after a fork its parent's (and so on up) up to the archive's
     * id at the fork. What the child's paged-out entries point to is among them.
     */
    long[] lineage = {tag, Long.MAX_VALUE};
    /** The archive's last id when this space was forked from its parent: ids at or below it may be shared. */
    long inheritedUpTo;
    /** The archive's last id when this space was last forked: its own documents up to it may be shared. */
    long lastForkedAt;
    /** Whether it ever archived a document. */
    boolean archived;
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
        this(name, owner, persistent, quotaBytes, tokenBudget, Set.of());
    }

    Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget, Set<String> members) {
        this.members = members;
        this.name = name;
        this.kind = SpaceKind.of(name);
        this.owner = owner;
        this.persistent = persistent;
        this.quotaBytes = quotaBytes;
        this.tokenBudget = tokenBudget;
        this.pid = kind == SpaceKind.USER ? Long.parseLong(name.substring(5)) : 0;
        this.readCapability = "mem:read:" + name;
        this.writeCapability = "mem:write:" + name;
    }

    /** Whether only this space can reach archive document {@code id} (which it references). */
    boolean ownsAlone(long id) {
        return id > inheritedUpTo && id > lastForkedAt;
    }

    /** The lineage of a child forked now, when the archive's last id is {@code cut}. */
    long[] childLineage(long childTag, long cut) {
        long[] out = new long[lineage.length + 2];
        out[0] = childTag;
        out[1] = Long.MAX_VALUE;
        for (int i = 0; i < lineage.length; i += 2) {
            out[i + 2] = lineage[i];
            out[i + 3] = Math.min(lineage[i + 1], cut);
        }
        return out;
    }

    SpaceInfo info() {
        return new SpaceInfo(name, kind, owner, persistent, tree.size(), residentBytes, quotaBytes,
                relatives.isEmpty() ? 0 : Math.max(0, sharedBytes), residentTokens,
                kind == SpaceKind.USER ? tokenBudget : 0, pagedOut.size(), members);
    }

    /** Keeps the sizes and the context window in step with replacing {@code old} by {@code now} (either may be null). */
    void account(Entry old, Entry now) {
        if (old != null) {
            logicalBytes -= old.charged();
            residentBytes -= old.residentBytes();
            if (old.working()) {
                if (old.resident()) residentTokens -= old.tokens();
                lru.remove(old.key());
                pagedOut.remove(old.key());
            }
            if (!relatives.isEmpty() && old.stamp() <= forkStamp && (now == null || now.stamp() != old.stamp())) {
                sharedBytes -= old.charged();
            }
        }
        if (now != null) {
            logicalBytes += now.charged();
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
