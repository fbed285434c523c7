package org.agentos.kernel.api.image;

/**
 * How to cut a process.
 *
 * @param timeoutMillis how long to wait for a quiet step boundary
 * @param keepPaused    leave the process PAUSED after the cut (to move it: the copy runs elsewhere)
 */
public record CutOptions(long timeoutMillis, boolean keepPaused) {
    public CutOptions {
        if (timeoutMillis < 0) throw new IllegalArgumentException("timeoutMillis < 0");
    }

    public static CutOptions defaults() {
        return new CutOptions(30_000, false);
    }
}
