package org.agentos.scheduler.fair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The heap against a TreeSet over random adds, polls, removals and re-keys. */
class RunQueueTest {
    static final class Item extends RunQueue.Entry {
        final long seq;
        long key;

        Item(long seq, long key) {
            this.seq = seq;
            this.key = key;
        }
    }

    private static int order(Item a, Item b) {
        int c = Long.compare(a.key, b.key);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    }

    @Test
    void behavesLikeASortedSetUnderRandomOperations() {
        Random rnd = new Random(42);
        RunQueue q = new RunQueue();
        TreeSet<Item> ref = new TreeSet<>(RunQueueTest::order);
        List<Item> in = new ArrayList<>();
        long seq = 0;
        for (int op = 0; op < 200_000; op++) {
            int what = rnd.nextInt(10);
            if (what < 4 || in.isEmpty()) {
                Item it = new Item(seq++, rnd.nextInt(1000));
                q.add(it, it.key, it.seq);
                ref.add(it);
                in.add(it);
            } else if (what < 6) {
                Item top = (Item) q.poll();
                assertEquals(ref.pollFirst(), top, "poll at op " + op);
                in.remove(top);
            } else if (what < 8) {
                Item it = in.remove(rnd.nextInt(in.size()));
                ref.remove(it);
                assertEquals(true, q.remove(it));
                assertFalse(q.contains(it));
                assertFalse(q.remove(it), "a second removal finds nothing");
            } else {
                Item it = in.get(rnd.nextInt(in.size()));
                ref.remove(it);
                it.key = rnd.nextInt(1000);
                ref.add(it);
                q.rekey(it, it.key);
            }
            assertEquals(ref.size(), q.size());
            assertEquals(ref.isEmpty() ? null : ref.first(), q.peek());
        }
        Object[] sorted = q.sorted();
        assertEquals(new ArrayList<>(ref), List.of((RunQueue.Entry[]) sorted[0]));
        q.clear();
        assertNull(q.poll());
    }
}
