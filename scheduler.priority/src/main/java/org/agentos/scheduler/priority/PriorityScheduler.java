package org.agentos.scheduler.priority;

import java.util.ArrayDeque;
import java.util.function.LongFunction;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.osgi.service.component.annotations.Component;

/**
 * Strict-priority scheduling, like POSIX SCHED_FIFO: one FIFO run queue per scheduling class and
 * nice level (realtime -20..19, then normal -20..19, then idle -20..19), and a worker always takes
 * from the most favoured non-empty level. Within a level
 * processes run in the order they became runnable. Lower levels wait as long as a higher level
 * has work: the point of this scheduler is predictability for a few urgent agents, not fairness
 * (use scheduler.fair for that).
 *
 * <p>Ranked between round robin and the fair scheduler.
 */
@Component(service = Scheduler.class, property = {"service.ranking:Integer=50", "agentos.subsystem.name=priority"})
public class PriorityScheduler implements Scheduler {
    private static final int NICE_LEVELS = 40;
    private static final int LEVELS = 3 * NICE_LEVELS;

    private final Object lock = new Object();
    @SuppressWarnings("unchecked")
    private final ArrayDeque<SchedEntity>[] levels = new ArrayDeque[LEVELS];
    /**
     * Per class, bit i set when nice level i - 20 has queued processes: the next level is one bit
     * scan away.
     */
    private final long[] nonEmpty = new long[3];
    private int runnable;

    public PriorityScheduler() {
        for (int i = 0; i < LEVELS; i++) levels[i] = new ArrayDeque<>();
    }

    private static int level(SchedEntity e) {
        return e.schedClass().ordinal() * NICE_LEVELS + Math.max(-20, Math.min(19, e.nice())) + 20;
    }

    private void markLocked(int l, boolean queued) {
        long bit = 1L << (l % NICE_LEVELS);
        if (queued) nonEmpty[l / NICE_LEVELS] |= bit;
        else nonEmpty[l / NICE_LEVELS] &= ~bit;
    }

    @Override
    public String name() {
        return "priority";
    }

    @Override
    public void enqueue(SchedEntity entity) {
        synchronized (lock) {
            int l = level(entity);
            levels[l].addLast(entity);
            markLocked(l, true);
            runnable++;
        }
    }

    @Override
    public SchedEntity pickNext() {
        synchronized (lock) {
            for (int c = 0; c < nonEmpty.length; c++) {
                if (nonEmpty[c] == 0) continue;
                int l = c * NICE_LEVELS + Long.numberOfTrailingZeros(nonEmpty[c]);
                SchedEntity e = levels[l].pollFirst();
                if (levels[l].isEmpty()) markLocked(l, false);
                runnable--;
                return e;
            }
            return null;
        }
    }

    @Override
    public void remove(SchedEntity entity) {
        synchronized (lock) {
            int l = level(entity);
            if (levels[l].removeFirstOccurrence(entity)) {
                runnable--;
                if (levels[l].isEmpty()) markLocked(l, false);
            }
        }
    }

    @Override
    public int runnable() {
        synchronized (lock) {
            return runnable;
        }
    }

    /** The run queues from the most favoured level down: exactly the order they would be picked in. */
    @Override
    public SchedulerState exportState() {
        // Workers cannot pick while the lock is held: copy the queues only, build the state after.
        Object[][] copies = new Object[levels.length][];
        int total = 0;
        synchronized (lock) {
            for (int i = 0; i < levels.length; i++) {
                copies[i] = levels[i].toArray();
                total += copies[i].length;
            }
        }
        SchedulerState s = new SchedulerState(name(), total);
        for (Object[] level : copies) {
            for (Object e : level) s.add(((SchedEntity) e).pid(), 0);
        }
        return s;
    }

    /** Drops what it may still hold from an earlier binding, then queues in the exported order. */
    @Override
    public void importState(SchedulerState state, LongFunction<SchedEntity> entities) {
        synchronized (lock) {
            for (ArrayDeque<SchedEntity> level : levels) level.clear();
            java.util.Arrays.fill(nonEmpty, 0);
            runnable = 0;
            Scheduler.super.importState(state, entities);
        }
    }
}
