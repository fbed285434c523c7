package org.agentos.kernel.api.hal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run in a {@link Sandbox} and within which limits. Built with {@link #builder}; every
 * limit has a safe default, so a spec names only the command and its working directory.
 */
public final class SandboxSpec {
    private final List<String> command;
    private final Path workDir;
    private final String stdin;
    private final Map<String, String> environment;
    private final long cpuSeconds;
    private final long memoryBytes;
    private final int processes;
    private final long fileSizeBytes;
    private final Duration timeout;
    private final int maxOutputBytes;
    private final boolean network;

    private SandboxSpec(Builder b) {
        if (b.command == null || b.command.isEmpty()) throw new IllegalArgumentException("command must not be empty");
        for (String arg : b.command) {
            if (arg == null || arg.indexOf('\0') >= 0) throw new IllegalArgumentException("command arguments must not be null or contain NUL");
        }
        this.command = List.copyOf(b.command);
        this.workDir = Objects.requireNonNull(b.workDir, "workDir");
        this.stdin = b.stdin;
        this.environment = Map.copyOf(b.environment);
        this.cpuSeconds = positive(b.cpuSeconds, "cpuSeconds");
        this.memoryBytes = positive(b.memoryBytes, "memoryBytes");
        this.processes = (int) positive(b.processes, "processes");
        this.fileSizeBytes = positive(b.fileSizeBytes, "fileSizeBytes");
        this.timeout = Objects.requireNonNull(b.timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        this.maxOutputBytes = (int) positive(b.maxOutputBytes, "maxOutputBytes");
        this.network = b.network;
    }

    private static long positive(long v, String name) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive: " + v);
        return v;
    }

    public static Builder builder(List<String> command, Path workDir) {
        return new Builder(command, workDir);
    }

    /** The program and its arguments (argv); no shell is involved unless the command names one. */
    public List<String> command() { return command; }

    /** The host directory the command starts in (and, with namespaces, the only writable one). */
    public Path workDir() { return workDir; }

    /** Text written to the command's standard input, or null for none. */
    public String stdin() { return stdin; }

    /** Variables set in the otherwise empty environment (besides PATH, HOME and LANG). */
    public Map<String, String> environment() { return environment; }

    /** CPU time limit (RLIMIT_CPU); default 10 s. */
    public long cpuSeconds() { return cpuSeconds; }

    /** Address-space limit (RLIMIT_AS); default 1 GiB. */
    public long memoryBytes() { return memoryBytes; }

    /** Process limit (RLIMIT_NPROC); default 64. */
    public int processes() { return processes; }

    /** Largest file the command may write (RLIMIT_FSIZE); default 64 MiB. */
    public long fileSizeBytes() { return fileSizeBytes; }

    /** Wall-clock limit, after which the whole process tree is killed; default 30 s. */
    public Duration timeout() { return timeout; }

    /** Bytes kept of standard output and of standard error each; the rest is read and dropped. Default 1 MiB. */
    public int maxOutputBytes() { return maxOutputBytes; }

    /** Whether the command may use the network (without namespaces it always can). Default false. */
    public boolean network() { return network; }

    /** Builds a {@link SandboxSpec}. */
    public static final class Builder {
        private final List<String> command;
        private final Path workDir;
        private String stdin;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private long cpuSeconds = 10;
        private long memoryBytes = 1L << 30;
        private long processes = 64;
        private long fileSizeBytes = 64L << 20;
        private Duration timeout = Duration.ofSeconds(30);
        private long maxOutputBytes = 1 << 20;
        private boolean network;

        private Builder(List<String> command, Path workDir) {
            this.command = command;
            this.workDir = workDir;
        }

        public Builder stdin(String s) { this.stdin = s; return this; }
        public Builder env(String name, String value) { this.environment.put(name, value); return this; }
        public Builder cpuSeconds(long s) { this.cpuSeconds = s; return this; }
        public Builder memoryBytes(long b) { this.memoryBytes = b; return this; }
        public Builder processes(int n) { this.processes = n; return this; }
        public Builder fileSizeBytes(long b) { this.fileSizeBytes = b; return this; }
        public Builder timeout(Duration t) { this.timeout = t; return this; }
        public Builder maxOutputBytes(int b) { this.maxOutputBytes = b; return this; }
        public Builder network(boolean n) { this.network = n; return this; }

        /** @throws IllegalArgumentException for an empty command or a limit that is not positive */
        public SandboxSpec build() {
            return new SandboxSpec(this);
        }
    }
}
