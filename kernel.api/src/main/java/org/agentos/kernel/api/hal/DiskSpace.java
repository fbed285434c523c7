package org.agentos.kernel.api.hal;

/** Space on the filesystem that holds a directory, in bytes; -1 where the host does not say. */
public final class DiskSpace {
    private final long total;
    private final long usable;

    public DiskSpace(long total, long usable) {
        this.total = total;
        this.usable = usable;
    }

    public long total() { return total; }

    /** Bytes this JVM may still write there (quotas and reserved blocks taken off). */
    public long usable() { return usable; }

    @Override
    public String toString() {
        return total < 0 ? "disk unknown" : (usable >> 20) + " MiB free of " + (total >> 20) + " MiB";
    }
}
