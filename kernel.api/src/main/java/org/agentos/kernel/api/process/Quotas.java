package org.agentos.kernel.api.process;

/**
 * Limits on what a process may consume over its lifetime. {@link #UNLIMITED} ({@code Long.MAX_VALUE})
 * means no limit. A process that goes over any of them is stopped with a reason that names the
 * quota; nothing else is disturbed.
 *
 * @param cpuNanos   CPU time spent in its steps
 * @param wallMillis wall-clock time since spawn
 * @param syscalls   number of system calls
 * @param bytes      bytes moved by system calls (I/O, network)
 * @param tokens     language-model tokens
 */
public record Quotas(long cpuNanos, long wallMillis, long syscalls, long bytes, long tokens) {

    public static final long UNLIMITED = Long.MAX_VALUE;
    public static final Quotas NONE = new Quotas(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED);

    /**
     * The quotas of a JSON object with any of {@code cpuNanos}, {@code wallMillis}, {@code syscalls},
     * {@code bytes}, {@code tokens} ({@code proc.spawn}'s {@code quotas}); a field left out is unlimited.
     */
    public static Quotas fromJson(com.fasterxml.jackson.databind.JsonNode j) {
        return new Quotas(j.path("cpuNanos").asLong(UNLIMITED), j.path("wallMillis").asLong(UNLIMITED), j.path("syscalls").asLong(UNLIMITED),
                j.path("bytes").asLong(UNLIMITED), j.path("tokens").asLong(UNLIMITED));
    }

    public Quotas {
        if (cpuNanos <= 0 || wallMillis <= 0 || syscalls <= 0 || bytes < 0 || tokens < 0) {
            throw new IllegalArgumentException("quotas must be positive (cpu, wall, syscalls) or non-negative (bytes, tokens)");
        }
    }

    /** The tighter of each limit: a child never gets more than its parent. */
    public Quotas min(Quotas other) {
        return new Quotas(Math.min(cpuNanos, other.cpuNanos), Math.min(wallMillis, other.wallMillis),
                Math.min(syscalls, other.syscalls), Math.min(bytes, other.bytes), Math.min(tokens, other.tokens));
    }

    public Quotas withCpuNanos(long v) { return new Quotas(v, wallMillis, syscalls, bytes, tokens); }
    public Quotas withWallMillis(long v) { return new Quotas(cpuNanos, v, syscalls, bytes, tokens); }
    public Quotas withSyscalls(long v) { return new Quotas(cpuNanos, wallMillis, v, bytes, tokens); }
    public Quotas withBytes(long v) { return new Quotas(cpuNanos, wallMillis, syscalls, v, tokens); }
    public Quotas withTokens(long v) { return new Quotas(cpuNanos, wallMillis, syscalls, bytes, v); }
}
