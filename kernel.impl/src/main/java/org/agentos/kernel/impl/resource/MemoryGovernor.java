package org.agentos.kernel.impl.resource;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.hal.MemoryStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory-pressure handling. Every {@code pollMillis} it reads the HAL's memory (the higher of
 * heap and host pressure) and moves between three levels:
 * <ul>
 * <li>{@code NORMAL};
 * <li>{@code HIGH} at {@code throttleAt}: low-priority work (idle class, or nice at least
 *     {@code throttleNice}) waits {@code throttleMillis} before each step;
 * <li>{@code CRITICAL} at {@code pauseAt}: idle-class processes are paused as well.
 * </ul>
 * Levels rise at once and fall only below {@code recoverBelow} (hysteresis), except that
 * CRITICAL falls to HIGH below {@code pauseAt}, resuming exactly the processes it paused (not
 * those an operator paused). Each change is audited ({@code mem.pressure}) and published as an
 * event. Realtime processes are never throttled or paused.
 */
public final class MemoryGovernor {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryGovernor.class);

    public enum Level { NORMAL, HIGH, CRITICAL }

    /** Thresholds are fractions of memory in use, 0..1. */
    public record Policy(long pollMillis, double throttleAt, double pauseAt, double recoverBelow, int throttleNice,
                  long throttleMillis) {
        public Policy {
            if (pollMillis < 10) throw new IllegalArgumentException("memoryPollMillis must be at least 10");
            if (!(recoverBelow > 0 && recoverBelow < throttleAt && throttleAt <= pauseAt && pauseAt <= 1)) {
                throw new IllegalArgumentException("memory thresholds must satisfy 0 < recoverBelow (" + recoverBelow
                        + ") < throttleAt (" + throttleAt + ") <= pauseAt (" + pauseAt + ") <= 1");
            }
            if (throttleNice < -20 || throttleNice > 19) throw new IllegalArgumentException("memoryThrottleNice must be -20..19");
            if (throttleMillis < 1) throw new IllegalArgumentException("memoryThrottleMillis must be at least 1");
        }

        static Policy defaults() {
            return new Policy(500, 0.85, 0.95, 0.75, 10, 100);
        }
    }

    private final Kernel kernel;
    private volatile Policy policy = Policy.defaults();
    private volatile Level level = Level.NORMAL;
    private volatile MemoryStatus last;
    /** Pids this governor paused, to resume exactly those. */
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();
    private volatile Consumer<Map<String, Object>> events = e -> {};
    private ScheduledExecutorService timers;
    private ScheduledFuture<?> poll;

    public MemoryGovernor(Kernel kernel) {
        this.kernel = kernel;
    }

    public synchronized void start(ScheduledExecutorService timers) {
        this.timers = timers;
        schedule();
    }

    private void schedule() {
        if (poll != null) poll.cancel(false);
        if (timers == null) return;
        long every = policy.pollMillis();
        try {
            poll = timers.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            poll = null;
        }
    }

    public synchronized void setPolicy(Policy p) {
        boolean reschedule = p.pollMillis() != policy.pollMillis();
        policy = p;
        if (reschedule) schedule();
    }

    public Policy policy() {
        return policy;
    }

    public Level level() {
        return level;
    }

    public void setEventSink(Consumer<Map<String, Object>> sink) {
        events = sink == null ? e -> {} : sink;
    }

    private void check() {
        try {
            evaluate(kernel.hal.memory());
        } catch (RuntimeException e) {
            LOG.warn("memory-pressure check failed: {}", e.toString());
        }
    }

    /** Applies the level {@code m} calls for. */
    public synchronized void evaluate(MemoryStatus m) {
        last = m;
        Policy p = policy;
        double x = m.pressure();
        Level prev = level;
        Level next;
        if (x >= p.pauseAt()) next = Level.CRITICAL;
        else if (x >= p.throttleAt()) next = Level.HIGH;
        else if (x < p.recoverBelow()) next = Level.NORMAL;
        else next = prev == Level.CRITICAL ? Level.HIGH : prev;
        if (next == prev) return;
        level = next;
        int pausedNow = next == Level.CRITICAL ? pauseIdle() : 0;
        int resumed = prev == Level.CRITICAL ? resumePaused() : 0;
        // rising: page context-window entries out to the archive, idle processes first (never persistent data)
        long reclaimed = next.compareTo(prev) > 0
                ? kernel.mem.reclaim((long) ((x - p.recoverBelow()) * Math.max(m.heapMax(), m.hostTotal()))) : 0;
        String detail = String.format(Locale.ROOT, "%s -> %s at %.0f%% (%s)", prev, next, 100 * x, m)
                + (next == Level.NORMAL ? "" : "; throttling idle and nice >= " + p.throttleNice())
                + (pausedNow > 0 ? "; paused " + pausedNow + " idle processes" : "")
                + (resumed > 0 ? "; resumed " + resumed + " processes" : "")
                + (reclaimed > 0 ? "; paged out " + reclaimed + " bytes of context windows" : "");
        LOG.warn("memory pressure {}", detail);
        kernel.audit.append(kernel.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "mem.pressure",
                next.name(), 0, detail, null, null);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("level", next.name());
        event.put("previous", prev.name());
        event.put("pressure", x);
        event.put("heapUsed", m.heapUsed());
        event.put("heapMax", m.heapMax());
        event.put("hostAvailable", m.hostAvailable());
        event.put("hostTotal", m.hostTotal());
        event.put("paused", pausedNow);
        event.put("resumed", resumed);
        event.put("reclaimed", reclaimed);
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("memory-pressure event not delivered: {}", e.toString());
        }
    }

    /** Whether {@code p} waits before its next step now. */
    public boolean throttles(Proc p) {
        return level != Level.NORMAL && p.schedClass != SchedClass.REALTIME
                && (p.schedClass == SchedClass.IDLE || p.nice >= policy.throttleNice());
    }

    public long throttleNanos() {
        return TimeUnit.MILLISECONDS.toNanos(policy.throttleMillis());
    }

    private int pauseIdle() {
        int n = 0;
        for (Proc p : kernel.procs.all()) {
            if (p.schedClass != SchedClass.IDLE) continue;
            ProcessState s;
            synchronized (p) {
                s = p.state;
            }
            if (s.isTerminal() || s == ProcessState.PAUSED || p.pausePending) continue;
            try {
                kernel.pause(p.pid);
                paused.add(p.pid);
                n++;
            } catch (SyscallException raced) {
                // it ended or was paused meanwhile
            }
        }
        return n;
    }

    private int resumePaused() {
        int n = 0;
        for (Long pid : paused) {
            try {
                kernel.resume(pid);
                n++;
            } catch (SyscallException gone) {
                // ended, or resumed by an operator meanwhile
            }
        }
        paused.clear();
        return n;
    }

    @Override
    public String toString() {
        Policy p = policy;
        MemoryStatus m = last;
        return String.format(Locale.ROOT, "%s%s; throttle at %.0f%%, pause idle at %.0f%%, recover below %.0f%%", level,
                m == null ? "" : String.format(Locale.ROOT, " at %.0f%%", 100 * m.pressure()), 100 * p.throttleAt(),
                100 * p.pauseAt(), 100 * p.recoverBelow())
                + (paused.isEmpty() ? "" : ", " + paused.size() + " idle processes paused");
    }
}
