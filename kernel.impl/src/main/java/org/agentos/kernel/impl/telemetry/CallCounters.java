package org.agentos.kernel.impl.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.telemetry.SyscallMetrics;

/**
 * One syscall's counts: by outcome and by latency bucket. Three uncontended adds per call, so
 * that counting stays within the noise of the null syscall; everything else happens at a scrape.
 */
public final class CallCounters {
    private static final Errno[] ERRNOS = Errno.values();
    private static final long[] BOUNDS_NANOS = new long[SyscallMetrics.BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS_NANOS.length; i++) BOUNDS_NANOS[i] = Math.round(SyscallMetrics.BOUNDS[i] * 1e9);
    }

    final String name;
    private final String resourceClass;
    /** [0]: ok; [1 + ordinal]: that errno. */
    private final LongAdder[] outcomes = new LongAdder[ERRNOS.length + 1];
    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder nanos = new LongAdder();

    CallCounters(String name, String resourceClass) {
        this.name = name;
        this.resourceClass = resourceClass;
        for (int i = 0; i < outcomes.length; i++) outcomes[i] = new LongAdder();
        for (int i = 0; i < buckets.length; i++) buckets[i] = new LongAdder();
    }

    /** A call ended: {@code errno} null when it succeeded. */
    void ended(Errno errno, long durationNanos) {
        outcomes[errno == null ? 0 : 1 + errno.ordinal()].increment();
        int b = 0;
        while (b < BOUNDS_NANOS.length && durationNanos > BOUNDS_NANOS[b]) b++;
        buckets[b].increment();
        nanos.add(durationNanos);
    }

    SyscallMetrics metrics() {
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        long ok = outcomes[0].sum();
        if (ok > 0) byOutcome.put("ok", ok);
        for (int i = 1; i < outcomes.length; i++) {
            long n = outcomes[i].sum();
            if (n > 0) byOutcome.put(ERRNOS[i - 1].name(), n);
        }
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) counts[i] = buckets[i].sum();
        return new SyscallMetrics(name, resourceClass, byOutcome, counts, nanos.sum() / 1e9);
    }
}
