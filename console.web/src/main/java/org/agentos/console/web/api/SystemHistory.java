package org.agentos.console.web.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.SyscallMetrics;
import org.agentos.kernel.api.telemetry.SystemMetrics;

/**
 * The system over the last minutes, for the web view's charts: a sample every few seconds of
 * what {@link KernelMetrics} counts, turned into rates. Kept in memory, {@link #KEPT} samples.
 */
public final class SystemHistory {
    static final int KEPT = 120;

    /** One point of the charts: rates over the interval before {@code time}, levels at it. */
    public record Point(long time, double stepsPerSecond, double syscallsOkPerSecond, double syscallsFailedPerSecond,
                        double tokensPerSecond, long runnable, long blocked, String memoryLevel) {}

    private record Totals(long nanos, long steps, long ok, long failed, long tokens) {}

    private final KernelMetrics kernel;
    private final ArrayDeque<Point> points = new ArrayDeque<>();
    private Totals last;

    public SystemHistory(KernelMetrics kernel) {
        this.kernel = kernel;
    }

    /** Takes a sample now (the sampler's thread). */
    public void sample(long nowMillis, long nowNanos) {
        long ok = 0;
        long failed = 0;
        for (SyscallMetrics m : kernel.syscalls()) {
            for (var e : m.outcomes().entrySet()) {
                if (e.getKey().equals("ok")) ok += e.getValue();
                else failed += e.getValue();
            }
        }
        SystemMetrics s = kernel.system();
        long steps = 0;
        long tokens = 0;
        for (SystemMetrics.Owner o : s.owners().values()) {
            steps += o.steps();
            tokens += o.tokens();
        }
        Totals now = new Totals(nowNanos, steps, ok, failed, tokens);
        long runnable = s.processes().getOrDefault(ProcessState.READY, 0L) + s.processes().getOrDefault(ProcessState.RUNNING, 0L);
        long blocked = s.processes().getOrDefault(ProcessState.BLOCKED, 0L);
        synchronized (this) {
            if (last != null && now.nanos > last.nanos) {
                double secs = (now.nanos - last.nanos) / 1e9;
                points.addLast(new Point(nowMillis, Math.max(0, now.steps - last.steps) / secs, Math.max(0, now.ok - last.ok) / secs,
                        Math.max(0, now.failed - last.failed) / secs, Math.max(0, now.tokens - last.tokens) / secs, runnable, blocked,
                        s.memoryLevel()));
                while (points.size() > KEPT) points.removeFirst();
            }
            last = now;
        }
    }

    public synchronized List<Point> points() {
        return new ArrayList<>(points);
    }
}
