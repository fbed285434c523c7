package org.agentos.scheduler.priority;

import java.util.ArrayDeque;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.osgi.service.component.annotations.Component;

/**
 * Strict-priority scheduling, like POSIX SCHED_FIFO: one FIFO run queue per nice level
 * (-20..19), and a worker always takes from the most favoured non-empty level. Within a level
 * processes run in the order they became runnable. Lower levels wait as long as a higher level
 * has work: the point of this scheduler is predictability for a few urgent agents, not fairness
 * (use scheduler.fair for that).
 *
 * <p>Ranked between round robin and the fair scheduler.
 */
@Component(service = Scheduler.class, property = {"service.ranking:Integer=50", "agentos.subsystem.name=priority"})
public class PriorityScheduler implements Scheduler {
    private static final int LEVELS = 40;

    private final Object lock = new Object();
    @SuppressWarnings("unchecked")
    private final ArrayDeque<SchedEntity>[] levels = new ArrayDeque[LEVELS];
    /** Bit i set when level i (nice i - 20) has queued processes: the next level is one bit scan away. */
    private long nonEmpty;
    private int runnable;

    public PriorityScheduler() {
        for (int i = 0; i < LEVELS; i++) levels[i] = new ArrayDeque<>();
    }

    private static int level(SchedEntity e) {
        return Math.max(-20, Math.min(19, e.nice())) + 20;
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
            nonEmpty |= 1L << l;
            runnable++;
        }
    }

    @Override
    public SchedEntity pickNext() {
        synchronized (lock) {
            if (nonEmpty == 0) return null;
            int l = Long.numberOfTrailingZeros(nonEmpty);
            SchedEntity e = levels[l].pollFirst();
            if (levels[l].isEmpty()) nonEmpty &= ~(1L << l);
            runnable--;
            return e;
        }
    }

    @Override
    public void remove(SchedEntity entity) {
        synchronized (lock) {
            int l = level(entity);
            if (levels[l].removeFirstOccurrence(entity)) {
                runnable--;
                if (levels[l].isEmpty()) nonEmpty &= ~(1L << l);
            }
        }
    }

    @Override
    public int runnable() {
        synchronized (lock) {
            return runnable;
        }
    }
}
