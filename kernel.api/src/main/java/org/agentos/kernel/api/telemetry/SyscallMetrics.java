package org.agentos.kernel.api.telemetry;

import java.util.Map;

/**
 * One syscall's counts since the kernel started.
 *
 * @param name          the syscall ({@code fs.read}), or {@link #UNKNOWN}
 * @param resourceClass what it spends ({@code CPU}, {@code IO}, {@code NET}, {@code LLM})
 * @param outcomes      calls by outcome: {@code ok} or the errno's name ({@code EPERM}); only outcomes seen
 * @param buckets       calls by latency: {@code buckets[i]} took at most {@link #BOUNDS}{@code [i]}
 *                      seconds and more than the bound before it; the last counts those above every bound
 * @param seconds       the latencies' sum
 */
public record SyscallMetrics(String name, String resourceClass, Map<String, Long> outcomes, long[] buckets, double seconds) {
    /** Calls of names the table did not have. */
    public static final String UNKNOWN = "unknown";
    /** The latency buckets' upper bounds, in seconds: from a microsecond (a kernel call) to a minute (a model). */
    public static final double[] BOUNDS = {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5, 10, 60};

    public SyscallMetrics {
        outcomes = Map.copyOf(outcomes);
        buckets = buckets.clone();
        if (buckets.length != BOUNDS.length + 1) throw new IllegalArgumentException("one bucket per bound and one above them");
    }

    /** All calls, whatever their outcome. */
    public long count() {
        long n = 0;
        for (long c : outcomes.values()) n += c;
        return n;
    }

    @Override
    public long[] buckets() {
        return buckets.clone();
    }
}
