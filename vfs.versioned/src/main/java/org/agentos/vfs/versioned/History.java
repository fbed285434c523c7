package org.agentos.vfs.versioned;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each owner's kept older versions, oldest first, and their bytes: what an owner stores besides
 * its live files, counted against its quota with them. A version joins when a newer one (or a
 * deletion) supersedes it, and leaves when it expires to make room for a write of its owner.
 * The log thread (and the replay at open) changes it; anyone reads the totals.
 */
final class History {
    /** A kept version: its key in the store's index and the bytes it holds. */
    record Kept(String key, long size) {}

    private final ConcurrentHashMap<String, Long> bytes = new ConcurrentHashMap<>();
    private final HashMap<String, ArrayDeque<Kept>> kept = new HashMap<>();

    /** {@code key} of {@code owner}, {@code size} bytes, was superseded: the newest history. */
    void add(String owner, String key, long size) {
        kept.computeIfAbsent(owner, o -> new ArrayDeque<>()).addLast(new Kept(key, size));
        bytes.merge(owner, size, Long::sum);
    }

    /** The oldest version {@code owner} keeps, or null. */
    Kept oldest(String owner) {
        ArrayDeque<Kept> q = kept.get(owner);
        return q == null ? null : q.peekFirst();
    }

    /** Forgets {@code key} of {@code owner} (normally its oldest); its size, or -1 when it was not kept. */
    long remove(String owner, String key) {
        ArrayDeque<Kept> q = kept.get(owner);
        if (q == null) return -1;
        Kept first = q.peekFirst();
        long size = -1;
        if (first != null && first.key().equals(key)) {
            q.pollFirst();
            size = first.size();
        } else {
            for (Iterator<Kept> it = q.iterator(); it.hasNext(); ) {
                Kept k = it.next();
                if (k.key().equals(key)) {
                    it.remove();
                    size = k.size();
                    break;
                }
            }
        }
        if (size >= 0) bytes.merge(owner, -size, Long::sum);
        if (q.isEmpty()) kept.remove(owner);
        return size;
    }

    /** Bytes {@code owner}'s kept versions hold. */
    long bytes(String owner) {
        return bytes.getOrDefault(owner, 0L);
    }

    Map<String, Long> byOwner() {
        return Collections.unmodifiableMap(new TreeMap<>(bytes));
    }
}
