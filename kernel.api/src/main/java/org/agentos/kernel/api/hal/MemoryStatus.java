package org.agentos.kernel.api.hal;

/**
 * Memory as the HAL sees it: the JVM heap and the host (or the cgroup the JVM runs in). A value
 * the host does not report is {@code -1}.
 */
public final class MemoryStatus {
    private final long heapUsed;
    private final long heapMax;
    private final long hostAvailable;
    private final long hostTotal;

    private MemoryStatus(long heapUsed, long heapMax, long hostAvailable, long hostTotal) {
        this.heapUsed = heapUsed;
        this.heapMax = heapMax;
        this.hostAvailable = hostAvailable;
        this.hostTotal = hostTotal;
    }

    /**
     * @param heapUsed      heap bytes in use
     * @param heapMax       the heap limit (-Xmx)
     * @param hostAvailable bytes the host (or cgroup) can still give, or -1
     * @param hostTotal     the host's (or cgroup's) memory, or -1
     */
    public static MemoryStatus of(long heapUsed, long heapMax, long hostAvailable, long hostTotal) {
        return new MemoryStatus(heapUsed, heapMax, hostAvailable, hostTotal);
    }

    /** The JVM's own view, without the host. */
    public static MemoryStatus ofHeap() {
        Runtime rt = Runtime.getRuntime();
        return new MemoryStatus(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), -1, -1);
    }

    public long heapUsed() { return heapUsed; }
    public long heapMax() { return heapMax; }
    public long hostAvailable() { return hostAvailable; }
    public long hostTotal() { return hostTotal; }

    /** Heap in use as a fraction of its limit, 0..1. */
    public double heapPressure() {
        return heapMax <= 0 ? 0 : Math.min(1, (double) heapUsed / heapMax);
    }

    /** Host memory in use as a fraction of the total, 0..1, or 0 when unknown. */
    public double hostPressure() {
        return hostTotal <= 0 || hostAvailable < 0 ? 0 : Math.min(1, 1 - (double) hostAvailable / hostTotal);
    }

    /** The higher of heap and host pressure. */
    public double pressure() {
        return Math.max(heapPressure(), hostPressure());
    }

    @Override
    public String toString() {
        return String.format("heap %d/%d MiB (%.0f%%), host %s", heapUsed >> 20, heapMax >> 20, 100 * heapPressure(),
                hostTotal <= 0 ? "unknown" : String.format("%d/%d MiB available (%.0f%% used)", hostAvailable >> 20,
                        hostTotal >> 20, 100 * hostPressure()));
    }
}
