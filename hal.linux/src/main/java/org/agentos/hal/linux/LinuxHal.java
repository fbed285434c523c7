package org.agentos.hal.linux;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.hal.MemoryStatus;
import org.agentos.kernel.api.hal.Sandbox;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The Linux HAL: implements {@link Hal} from the JVM's view of the host (which already honours
 * cgroup CPU limits and affinity) and from {@code /proc}. The kernel sizes its CPU workers and
 * reads its clocks through it, and {@code shell.exec} launches host commands through its
 * {@link #sandbox()} (bubblewrap namespaces and rlimits, see {@link LinuxSandbox}).
 */
@Component(service = Hal.class, property = "agentos.subsystem.name=linux", configurationPid = "org.agentos.hal.linux")
@Designate(ocd = LinuxHal.Config.class)
public class LinuxHal implements Hal {

    @ObjectClassDefinition(name = "Agent OS Linux HAL", description = "How host commands are confined (shell.exec).")
    public @interface Config {
        @AttributeDefinition(description = "Run commands in bubblewrap namespaces when bubblewrap works on this host (auto), or never (off)",
                options = {@Option(label = "auto", value = "auto"), @Option(label = "off", value = "off")})
        String bubblewrap() default "auto";

        @AttributeDefinition(description = "Host user commands run as when the JVM runs as root (65534 = nobody); "
                + "working directories must be writable by it")
        int sandboxUid() default 65534;

        @AttributeDefinition(description = "Host group commands run as when the JVM runs as root (65534 = nogroup)")
        int sandboxGid() default 65534;

        @AttributeDefinition(description = "Host paths visible read-only inside the namespaces (missing ones are skipped)")
        String[] readOnlyPaths() default {"/usr", "/bin", "/lib", "/lib64", "/etc/alternatives", "/etc/ssl/certs"};
    }

    /** Created at activation, or at first use outside OSGi with the defaults. */
    private volatile LinuxSandbox sandbox;

    @Activate
    void activate(Config config) {
        sandbox = new LinuxSandbox(settings(config));
    }

    static LinuxSandbox.Settings settings(Config c) {
        // anything but "off" means auto: a typo must not lower the confinement
        return new LinuxSandbox.Settings(!"off".equals(c.bubblewrap().strip()), c.sandboxUid(), c.sandboxGid(),
                Arrays.asList(c.readOnlyPaths()));
    }

    @Override
    public Sandbox sandbox() {
        LinuxSandbox s = sandbox;
        if (s == null) {
            synchronized (this) {
                s = sandbox;
                if (s == null) sandbox = s = new LinuxSandbox(LinuxSandbox.Settings.defaults());
            }
        }
        return s;
    }

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

    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP_MAX = Path.of("/sys/fs/cgroup/memory.max");
    private static final Path CGROUP_CURRENT = Path.of("/sys/fs/cgroup/memory.current");

    /**
     * The JVM heap, and the host's memory from {@code /proc/meminfo} (MemAvailable of MemTotal),
     * or the cgroup v2 limit when the JVM runs in a memory-limited container.
     */
    @Override
    public MemoryStatus memory() {
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        long total = -1;
        long available = -1;
        try {
            long[] m = parseMeminfo(Files.readString(MEMINFO));
            total = m[0];
            available = m[1];
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: host memory unknown
        }
        try {
            String max = Files.readString(CGROUP_MAX).strip();
            if (!"max".equals(max)) {
                long limit = Long.parseLong(max);
                long current = Long.parseLong(Files.readString(CGROUP_CURRENT).strip());
                total = limit;
                available = Math.max(0, limit - current);
            }
        } catch (IOException | RuntimeException e) {
            // no cgroup v2 memory controller: the host figures stand
        }
        return MemoryStatus.of(heapUsed, rt.maxMemory(), available, total);
    }

    /** MemTotal and MemAvailable of {@code /proc/meminfo}, in bytes ({-1, -1} when absent). */
    static long[] parseMeminfo(String meminfo) {
        long total = -1;
        long available = -1;
        for (String line : meminfo.split("\n")) {
            String[] f = line.split("\s+");
            if (f.length < 2) continue;
            if (f[0].equals("MemTotal:")) total = Long.parseLong(f[1]) * 1024;
            else if (f[0].equals("MemAvailable:")) available = Long.parseLong(f[1]) * 1024;
        }
        return new long[] {total, available};
    }

    /** The first field of {@code /proc/loadavg}: "0.52 0.58 0.59 1/389 12345". */
    static double parseLoadAverage(String loadavg) {
        String first = loadavg.strip().split("\\s+", 2)[0];
        return Double.parseDouble(first);
    }
}
