package org.agentos.kernel.api.hal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The hardware abstraction layer: what the host really has. The kernel sizes its CPU workers
 * from {@link #cpuCount()} and reads time only through this interface, so that a different HAL
 * (another OS, a simulated clock) can be swapped in.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Hal {

    /** A short name for {@code kernel:subsystems}, e.g. {@code linux}. */
    String name();

    /** CPUs this process may use (cgroup and affinity limits included). */
    int cpuCount();

    /** CPU time consumed by the calling thread, in nanoseconds. */
    long threadCpuTimeNanos();

    /** A monotonic clock in nanoseconds, for durations. */
    long nanoTime();

    /** Wall-clock time in milliseconds since the epoch. */
    long currentTimeMillis();

    /** The one-minute load average, or a negative number when the host does not say. */
    default double loadAverage() {
        return -1;
    }

    /**
     * Memory in use now, for memory-pressure handling. Called every few hundred milliseconds, so
     * it must be cheap. The default reports the JVM heap only.
     */
    default MemoryStatus memory() {
        return MemoryStatus.ofHeap();
    }

    /** Space on the filesystem holding {@code dir}. The default asks the JVM's {@link FileStore}. */
    default DiskSpace diskSpace(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return new DiskSpace(store.getTotalSpace(), store.getUsableSpace());
        } catch (IOException | RuntimeException e) {
            return new DiskSpace(-1, -1);
        }
    }

    /** Launches confined host processes; the default cannot launch any. */
    default Sandbox sandbox() {
        return Sandbox.unavailable("the " + name() + " HAL cannot launch host processes");
    }
}
