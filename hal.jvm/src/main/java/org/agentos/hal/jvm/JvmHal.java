package org.agentos.hal.jvm;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.hal.MemoryStatus;
import org.agentos.kernel.api.hal.Sandbox;
import org.osgi.service.component.annotations.Component;

/**
 * The portable HAL: implements {@link Hal} from what the JVM itself reports, for hosts that are
 * not Linux. Ranked below the Linux HAL, so it is used only where that one is absent. Its
 * {@link #sandbox()} has a timeout, bounded output and an emptied environment, but no resource
 * limits or namespaces (see {@link JvmSandbox}).
 */
@Component(service = Hal.class, property = {"agentos.subsystem.name=jvm", "service.ranking:Integer=-10"})
public class JvmHal implements Hal {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final Sandbox sandbox = new JvmSandbox();

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public int cpuCount() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public long threadCpuTimeNanos() {
        return threads.getCurrentThreadCpuTime();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public double loadAverage() {
        return os.getSystemLoadAverage();
    }

    /**
     * The JVM heap only: the host's memory is reported by {@code com.sun.management}, which this
     * bundle does not import, so that it resolves on any framework and JVM.
     */
    @Override
    public MemoryStatus memory() {
        return MemoryStatus.ofHeap();
    }

    @Override
    public Sandbox sandbox() {
        return sandbox;
    }
}
