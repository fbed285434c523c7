package org.agentos.kernel.api.hal;

import java.util.List;
import java.util.Objects;

/**
 * How a sandboxed command ended: its exit code (or the signal that ended it), its bounded output,
 * and which limit, if any, ended it.
 */
public final class SandboxResult {
    /** {@link #limit()} when the wall-clock timeout killed the process tree. */
    public static final String TIMEOUT = "timeout";
    /** {@link #limit()} when RLIMIT_CPU ended the command (SIGXCPU or SIGKILL after it). */
    public static final String CPU = "cpu";
    /** {@link #limit()} when RLIMIT_FSIZE ended the command (SIGXFSZ). */
    public static final String FILE_SIZE = "file-size";

    private final int exitCode;
    private final int signal;
    private final String stdout;
    private final String stderr;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final String limit;
    private final long wallMillis;
    private final List<SandboxProtection> protections;

    public SandboxResult(int exitCode, int signal, String stdout, String stderr, boolean stdoutTruncated,
                         boolean stderrTruncated, String limit, long wallMillis, List<SandboxProtection> protections) {
        this.exitCode = exitCode;
        this.signal = signal;
        this.stdout = Objects.requireNonNull(stdout, "stdout");
        this.stderr = Objects.requireNonNull(stderr, "stderr");
        this.stdoutTruncated = stdoutTruncated;
        this.stderrTruncated = stderrTruncated;
        this.limit = limit;
        this.wallMillis = wallMillis;
        this.protections = protections == null ? List.of() : List.copyOf(protections);
    }

    /** The exit status as a shell reports it: 0..255, or 128 + n when signal n ended the command. */
    public int exitCode() { return exitCode; }

    /** The signal that ended the command, or 0 when it exited by itself. */
    public int signal() { return signal; }

    public String stdout() { return stdout; }

    public String stderr() { return stderr; }

    /** Whether standard output exceeded {@link SandboxSpec#maxOutputBytes()} and was cut. */
    public boolean stdoutTruncated() { return stdoutTruncated; }

    public boolean stderrTruncated() { return stderrTruncated; }

    /** The limit that ended the command ({@link #TIMEOUT}, {@link #CPU}, {@link #FILE_SIZE}), or null. */
    public String limit() { return limit; }

    public long wallMillis() { return wallMillis; }

    /** The protections in force for this run. */
    public List<SandboxProtection> protections() { return protections; }

    @Override
    public String toString() {
        return "exit " + exitCode + (signal != 0 ? " (signal " + signal + ")" : "") + (limit != null ? ", limit " + limit : "")
                + ", " + wallMillis + " ms, " + stdout.length() + (stdoutTruncated ? "+" : "") + " chars out";
    }
}
