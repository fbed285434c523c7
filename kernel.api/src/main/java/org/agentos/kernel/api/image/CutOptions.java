package org.agentos.kernel.api.image;

/**
 * How to cut a process.
 *
 * @param timeoutMillis how long to wait for a quiet step boundary
 * @param keepPaused    leave the process PAUSED after the cut (to move it: the copy runs elsewhere)
 * @param withShared    copy the shared memory segments it uses (its capabilities name them) into the
 *                      image, read while it is held; without, the image names them only
 */
public record CutOptions(long timeoutMillis, boolean keepPaused, boolean withShared) {
    public CutOptions {
        if (timeoutMillis < 0) throw new IllegalArgumentException("timeoutMillis < 0");
    }

    public CutOptions(long timeoutMillis, boolean keepPaused) {
        this(timeoutMillis, keepPaused, false);
    }

    public static CutOptions defaults() {
        return new CutOptions(30_000, false, false);
    }
}
