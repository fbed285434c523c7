package org.agentos.kernel.impl.resource;

/**
 * A byte-rate limit: {@code rate} bytes per second with a burst of one second's worth. A call
 * may take more than the bucket holds (the bytes have already moved); the bucket then goes into
 * debt and {@link #take} says how long the process must wait before its next step. Guarded by
 * the owning process's lock.
 */
public final class TokenBucket {
    private final long rate;
    private double tokens;
    private long lastNanos;

    TokenBucket(long bytesPerSecond, long nowNanos) {
        this.rate = bytesPerSecond;
        this.tokens = bytesPerSecond;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code bytes}; returns the nanoseconds until the bucket is out of debt (0: none). */
    long take(long bytes, long nowNanos) {
        tokens = Math.min(rate, tokens + (nowNanos - lastNanos) * (double) rate / 1e9);
        lastNanos = nowNanos;
        tokens -= bytes;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / rate);
    }
}
