package org.agentos.kernel.impl.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBurstOfOneSecondIsFreeThenDebtIsPaidAtTheRate() {
        TokenBucket b = new TokenBucket(1000, 0);
        assertEquals(0, b.take(1000, 0), "the first second's worth is a burst");
        assertEquals(SECOND / 2, b.take(500, 0), "500 bytes of debt at 1000/s");
        assertEquals(0, b.take(0, SECOND / 2), "paid off half a second later");
        assertEquals(0, b.take(1000, 10 * SECOND), "idle time refills only up to the burst");
        assertEquals(SECOND, b.take(1000, 10 * SECOND));
    }
}
