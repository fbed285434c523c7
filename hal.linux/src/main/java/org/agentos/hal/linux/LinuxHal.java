package org.agentos.hal.linux;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agentos.kernel.api.hal.Hal;
import org.osgi.service.component.annotations.Component;

/**
 * The Linux HAL: implements {@link Hal} from the JVM's view of the host (which already honours
 * cgroup CPU limits and affinity) and from {@code /proc}. The kernel sizes its CPU workers and
 * reads its clocks through it.
 */
@Component(service = Hal.class, property = "agentos.subsystem.name=linux")
public class LinuxHal implements Hal {

    private static final Path LOADAVG = Path.of("/proc/loadavg");
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @Override
    public String name() {
        return "linux";
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
        try {
            return parseLoadAverage(Files.readString(LOADAVG));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The first field of {@code /proc/loadavg}: "0.52 0.58 0.59 1/389 12345". */
    static double parseLoadAverage(String loadavg) {
        String first = loadavg.strip().split("\\s+", 2)[0];
        return Double.parseDouble(first);
    }
}
