package org.agentos.kernel.impl.cpu;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The longest that one call into a scheduler (a pick, an enqueue) took while a swap ran: the
 * pause the swap caused. Calls still waiting when the swap is done are waited for (they end as
 * soon as the scheduler that held them lets go), so the longest one is not missed.
 */
final class StallMeter {
    private final LongSupplier clock;
    private final AtomicLong longest = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();

    StallMeter(LongSupplier clock) {
        this.clock = clock;
    }

    long begin() {
        inFlight.incrementAndGet();
        return clock.getAsLong();
    }

    void end(long started) {
        longest.accumulateAndGet(clock.getAsLong() - started, Math::max);
        inFlight.decrementAndGet();
    }

    /** The longest call, after waiting up to {@code maxWaitMillis} for those still in flight. */
    long longest(long maxWaitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) LockSupport.parkNanos(20_000);
        return longest.get();
    }
}
