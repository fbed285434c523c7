package org.agentos.scheduler.fair;

/**
 * The queued entries of one run queue in the order they were queued, to find the one that has
 * waited longest. A ring of (entry, stamp) pairs: an entry taken from the run queue by a normal
 * pick stays here until it reaches the head, where its stamp no longer matches and it is
 * dropped, so nothing but the head is ever looked at. Not thread-safe: the scheduler's lock
 * guards it.
 */
final class ArrivalOrder {

    /** Something that can be queued: whether it is queued now, and the stamp of its latest queuing. */
    interface Arrival {
        boolean queued();

        long arrival();
    }

    private Arrival[] entries = new Arrival[16];
    private long[] stamps = new long[16];
    private int head;
    private int size;

    void add(Arrival e, long stamp) {
        if (size == entries.length) grow();
        int i = (head + size) & (entries.length - 1);
        entries[i] = e;
        stamps[i] = stamp;
        size++;
    }

    /** The entry queued longest ago that is still queued since then, or null; drops stale ones on the way. */
    Arrival oldest() {
        while (size > 0) {
            Arrival e = entries[head];
            if (e.queued() && e.arrival() == stamps[head]) return e;
            removeHead();
        }
        return null;
    }

    void removeHead() {
        entries[head] = null;
        head = (head + 1) & (entries.length - 1);
        size--;
    }

    int size() {
        return size;
    }

    /** Forgets every entry: O(entries held), not O(capacity). */
    void clear() {
        while (size > 0) removeHead();
        head = 0;
    }

    private void grow() {
        int n = entries.length * 2;
        Arrival[] e = new Arrival[n];
        long[] s = new long[n];
        for (int i = 0; i < size; i++) {
            int from = (head + i) & (entries.length - 1);
            e[i] = entries[from];
            s[i] = stamps[from];
        }
        entries = e;
        stamps = s;
        head = 0;
    }
}
