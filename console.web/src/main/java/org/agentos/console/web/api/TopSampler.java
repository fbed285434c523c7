package org.agentos.console.web.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.ProcessCounters;

/**
 * Rates per process and per owner, as {@code agent:top} makes them: two samples of every live
 * process's counters, some seconds apart, subtracted. Sampled only when the top view asks (at
 * most every {@link #MIN_INTERVAL_NANOS}), so an unwatched system pays nothing for it.
 */
public final class TopSampler {
    static final long MIN_INTERVAL_NANOS = 1_500_000_000L;

    /** A process's or an owner's rates over the last interval. */
    public record Rate(long pid, String owner, String program, String state, double cpuPercent, double syscallsPerSecond,
                       double tokensPerSecond) {}

    public record Rates(double intervalSeconds, List<Rate> processes, List<Rate> owners) {}

    private record Sample(long nanos, Map<Long, ProcessCounters> byPid) {}

    private final KernelMetrics kernel;
    private Sample previous;
    private Sample latest;

    public TopSampler(KernelMetrics kernel) {
        this.kernel = kernel;
    }

    /**
     * The rates now: the {@code limit} busiest processes by {@code by} (cpu, syscalls, tokens), and
     * every owner; {@code owner} non-null: that owner's only.
     */
    public synchronized Rates rates(String by, int limit, long nowNanos, String owner) {
        if (latest == null || nowNanos - latest.nanos >= MIN_INTERVAL_NANOS) {
            Map<Long, ProcessCounters> now = new HashMap<>();
            for (ProcessCounters c : kernel.processes()) now.put(c.pid(), c);
            previous = latest;
            latest = new Sample(nowNanos, now);
        }
        if (previous == null) return new Rates(0, List.of(), List.of());
        double secs = (latest.nanos - previous.nanos) / 1e9;
        List<Rate> procs = new ArrayList<>();
        Map<String, double[]> owners = new HashMap<>();
        for (ProcessCounters c : latest.byPid.values()) {
            if (owner != null && !owner.equals(c.owner())) continue;
            ProcessCounters before = previous.byPid.get(c.pid());
            long cpu = c.cpuNanos() - (before == null ? 0 : before.cpuNanos());
            long calls = c.syscalls() - (before == null ? 0 : before.syscalls());
            long tokens = c.tokens() - (before == null ? 0 : before.tokens());
            Rate r = new Rate(c.pid(), c.owner(), c.program(), c.state().name(), cpu / 1e7 / secs, calls / secs, tokens / secs);
            procs.add(r);
            double[] o = owners.computeIfAbsent(c.owner(), x -> new double[3]);
            o[0] += r.cpuPercent();
            o[1] += r.syscallsPerSecond();
            o[2] += r.tokensPerSecond();
        }
        Comparator<Rate> order = switch (by) {
            case "syscalls" -> Comparator.comparingDouble(Rate::syscallsPerSecond);
            case "tokens" -> Comparator.comparingDouble(Rate::tokensPerSecond);
            default -> Comparator.comparingDouble(Rate::cpuPercent);
        };
        procs.sort(order.reversed().thenComparingLong(Rate::pid));
        List<Rate> ownerRates = new ArrayList<>();
        owners.forEach((o, v) -> ownerRates.add(new Rate(0, o, null, null, v[0], v[1], v[2])));
        ownerRates.sort(order.reversed().thenComparing(Rate::owner));
        return new Rates(secs, List.copyOf(procs.subList(0, Math.min(limit, procs.size()))), ownerRates);
    }
}
