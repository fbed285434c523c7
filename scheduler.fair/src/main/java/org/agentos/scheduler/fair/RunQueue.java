package org.agentos.scheduler.fair;

import java.util.Arrays;

/**
 * An indexed binary min-heap ordered by (key, seq), the fair scheduler's run queue. Keys and
 * sequence numbers live in arrays beside the entries, so sifting compares numbers in a few cache
 * lines instead of chasing tree nodes; each entry remembers its slot, so removal and re-keying
 * are O(log n). Not thread-safe: the scheduler's lock guards it.
 */
final class RunQueue {

    /** Something that sits in at most one RunQueue at a time. */
    static class Entry {
        int slot = -1;
    }

    private Entry[] entries = new Entry[8];
    private long[] keys = new long[8];
    private long[] seqs = new long[8];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The least entry, or null. */
    Entry peek() {
        return size == 0 ? null : entries[0];
    }

    void add(Entry e, long key, long seq) {
        if (size == entries.length) {
            int n = size * 2;
            entries = Arrays.copyOf(entries, n);
            keys = Arrays.copyOf(keys, n);
            seqs = Arrays.copyOf(seqs, n);
        }
        int i = size++;
        entries[i] = e;
        keys[i] = key;
        seqs[i] = seq;
        e.slot = i;
        siftUp(i);
    }

    /** Removes and returns the least entry, or null. */
    Entry poll() {
        if (size == 0) return null;
        Entry top = entries[0];
        removeAt(0);
        return top;
    }

    boolean contains(Entry e) {
        int i = e.slot;
        return i >= 0 && i < size && entries[i] == e;
    }

    boolean remove(Entry e) {
        if (!contains(e)) return false;
        removeAt(e.slot);
        return true;
    }

    /** A new key for an entry in the queue. */
    void rekey(Entry e, long key) {
        int i = e.slot;
        keys[i] = key;
        siftUp(i);
        siftDown(e.slot);
    }

    /** A copy of the queue's arrays (the entries themselves are shared), cheap enough to take under the lock. */
    RunQueue copy() {
        RunQueue c = new RunQueue();
        c.entries = Arrays.copyOf(entries, size);
        c.keys = Arrays.copyOf(keys, size);
        c.seqs = Arrays.copyOf(seqs, size);
        c.size = size;
        return c;
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            entries[i].slot = -1;
            entries[i] = null;
        }
        size = 0;
    }

    /**
     * The entries in (key, seq) order with their keys, copied: {@code out[0]} entries,
     * {@code out[1]} keys as long[]. O(n log n); for exports, not for decisions.
     */
    Object[] sorted() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> less(a, b) ? -1 : less(b, a) ? 1 : 0);
        Entry[] e = new Entry[size];
        long[] k = new long[size];
        for (int i = 0; i < size; i++) {
            e[i] = entries[order[i]];
            k[i] = keys[order[i]];
        }
        return new Object[] {e, k};
    }

    private void removeAt(int i) {
        entries[i].slot = -1;
        int last = --size;
        if (i != last) {
            move(last, i);
            entries[last] = null;
            siftUp(i);
            siftDown(entries[i].slot);
        } else {
            entries[last] = null;
        }
    }

    private boolean less(int a, int b) {
        return keys[a] < keys[b] || keys[a] == keys[b] && seqs[a] < seqs[b];
    }

    private void move(int from, int to) {
        entries[to] = entries[from];
        keys[to] = keys[from];
        seqs[to] = seqs[from];
        entries[to].slot = to;
    }

    private void siftUp(int i) {
        Entry e = entries[i];
        long k = keys[i];
        long s = seqs[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!(k < keys[p] || k == keys[p] && s < seqs[p])) break;
            move(p, i);
            i = p;
        }
        entries[i] = e;
        keys[i] = k;
        seqs[i] = s;
        e.slot = i;
    }

    private void siftDown(int i) {
        Entry e = entries[i];
        long k = keys[i];
        long s = seqs[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && (keys[r] < keys[c] || keys[r] == keys[c] && seqs[r] < seqs[c])) c = r;
            if (!(keys[c] < k || keys[c] == k && seqs[c] < s)) break;
            move(c, i);
            i = c;
        }
        entries[i] = e;
        keys[i] = k;
        seqs[i] = s;
        e.slot = i;
    }
}
