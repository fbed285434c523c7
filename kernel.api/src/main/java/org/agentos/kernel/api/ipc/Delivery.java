package org.agentos.kernel.api.ipc;

import java.util.Locale;

/** What a queue promises about each message. */
public enum Delivery {
    /** Removed when received: a receiver that dies before handling it loses it. Cheapest. */
    AT_MOST_ONCE,
    /**
     * Received messages stay in flight until acked; one not acked within the visibility timeout
     * (or nacked) is delivered again, and after the queue's maximum number of deliveries it moves
     * to the dead-letter queue.
     */
    AT_LEAST_ONCE,
    /**
     * At-least-once delivery, plus duplicates suppressed: a message whose idempotency key was
     * sent within the dedup window is dropped and the sender told so, so processing happens once.
     */
    EXACTLY_ONCE;

    /** {@code at-most-once}, {@code at-least-once}, {@code exactly-once}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a {@link #label()} (or the constant's name). */
    public static Delivery parse(String text) {
        for (Delivery d : values()) {
            if (d.label().equalsIgnoreCase(text) || d.name().equalsIgnoreCase(text)) return d;
        }
        throw new IllegalArgumentException("unknown delivery '" + text + "' (at-most-once, at-least-once, exactly-once)");
    }
}
