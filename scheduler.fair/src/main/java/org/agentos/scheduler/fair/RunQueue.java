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
     * The entries in (key, seq) order with their keys: {@code out[0]} entries, {@code out[1]}
     * keys as long[]. Sorts a copy, without boxing: exports use it while workers wait.
     */
    Object[] sorted() {
        return copy().sortInPlace();
    }

    /** {@link #sorted()} for a queue that is already a {@link #copy()}: sorts it, destroying its heap order. */
    Object[] sortInPlace() {
        quicksort(0, size - 1);
        return new Object[] {Arrays.copyOf(entries, size), Arrays.copyOf(keys, size)};
    }

    /** Sorts the arrays by (key, seq) in place; the heap order is gone afterwards (copies only). */
    private void quicksort(int lo, int hi) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            // median of three as the pivot, moved to hi
            if (less(mid, lo)) swap(mid, lo);
            if (less(hi, lo)) swap(hi, lo);
            if (less(mid, hi)) swap(mid, hi);
            int store = lo;
            for (int i = lo; i < hi; i++) {
                if (less(i, hi)) swap(i, store++);
            }
            swap(store, hi);
            // recurse into the smaller side, loop on the larger: bounded stack depth
            if (store - lo < hi - store) {
                quicksort(lo, store - 1);
                lo = store + 1;
            } else {
                quicksort(store + 1, hi);
                hi = store - 1;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            for (int j = i; j > lo && less(j, j - 1); j--) swap(j, j - 1);
        }
    }

    private void swap(int a, int b) {
        Entry e = entries[a];
        entries[a] = entries[b];
        entries[b] = e;
        long k = keys[a];
        keys[a] = keys[b];
        keys[b] = k;
        long s = seqs[a];
        seqs[a] = seqs[b];
        seqs[b] = s;
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
