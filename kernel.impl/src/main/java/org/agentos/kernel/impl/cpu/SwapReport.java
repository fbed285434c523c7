package org.agentos.kernel.impl.cpu;

/**
 * What a scheduler swap did: how many queued processes the new scheduler took over from the
 * old one's exported state, how many the kernel enqueued from the process table (all of them
 * when there was no state or its import failed, else those that became READY meanwhile), how
 * long the swap held processes up (the longest that one pick or enqueue waited while it ran),
 * and how long the whole hand-over took.
 */
public record SwapReport(String from, String to, int imported, int enqueued, long pauseNanos, long totalNanos,
                         String fallback) {
    @Override
    public String toString() {
        return (from == null ? "none" : from) + " -> " + (to == null ? "none" : to) + ": " + imported
                + " carried over, " + enqueued + " enqueued from the process table, paused "
                + String.format(java.util.Locale.ROOT, "%.2f ms of %.2f ms", pauseNanos / 1e6, totalNanos / 1e6)
                + (fallback == null ? "" : " (" + fallback + ")");
    }
}
