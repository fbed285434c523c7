package org.agentos.scheduler.fair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ArrivalOrderTest {

    static final class Item implements ArrivalOrder.Arrival {
        boolean queued = true;
        long arrival;

        Item(long arrival) {
            this.arrival = arrival;
        }

        @Override
        public boolean queued() {
            return queued;
        }

        @Override
        public long arrival() {
            return arrival;
        }
    }

    @Test
    void theOldestStillQueuedComesFirstAndStaleEntriesAreDropped() {
        ArrivalOrder order = new ArrivalOrder();
        Item[] items = new Item[100];
        for (int i = 0; i < items.length; i++) {
            items[i] = new Item(i + 1);
            order.add(items[i], i + 1); // past the first capacity: the ring grows
        }
        assertSame(items[0], order.oldest());
        items[0].queued = false;          // picked in turn
        items[1].arrival = 500;           // picked and queued again: its entry here is stale
        order.add(items[1], 500);
        assertSame(items[2], order.oldest());
        assertEquals(99, order.size(), "the two stale ones in front are gone, the new entry of 1 is at the end");
        order.removeHead();
        for (int i = 3; i < items.length; i++) items[i].queued = false;
        assertSame(items[1], order.oldest(), "only the re-queued one is left");
        order.clear();
        assertEquals(0, order.size());
        assertNull(order.oldest());
    }
}
