package org.agentos.kernel.impl.cpu;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.osgi.service.component.annotations.Component;

/**
 * The kernel's fallback scheduler: round robin within a scheduling class, niceness ignored.
 * Registered with the lowest ranking, so any other {@link Scheduler} service replaces it.
 *
 * <p>Like an OS's per-CPU run queues: each thread that makes processes runnable (a CPU worker,
 * mostly) has its own FIFO queue, so workers do not contend on one queue and a process tends to
 * stay on the worker whose cache holds it. A worker takes from its own queue, steals from the
 * others when it is empty, and every {@value #LOOK_AROUND}th pick looks at the others first, so
 * no queue (a timer's, the console's) waits behind a busy worker for long. Realtime processes
 * have queues of their own that are looked at first, idle ones last; both are rare, so a counter
 * per class keeps the common pick to the normal queues.
 */
@Component(service = Scheduler.class, property = {
        "service.ranking:Integer=-2147483648",
        "agentos.subsystem.name=round-robin"})
public class RoundRobinScheduler implements Scheduler {
    private static final int QUEUES = 8;
    private static final int LOOK_AROUND = 32;
    private static final int REALTIME = SchedClass.REALTIME.ordinal();
    private static final int NORMAL = SchedClass.NORMAL.ordinal();
    private static final int IDLE = SchedClass.IDLE.ordinal();

    /** A thread's place in the scheduler: its home queue and its pick counter. */
    private static final class Home {
        final int index;
        int picks;

        Home(int index) {
            this.index = index;
        }
    }

    /** [class][queue]. */
    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<SchedEntity>[][] queues = new ConcurrentLinkedQueue[3][QUEUES];
    private final AtomicInteger nextHome = new AtomicInteger();
    private final ThreadLocal<Home> home = ThreadLocal.withInitial(() -> new Home(nextHome.getAndIncrement() % QUEUES));
    // A striped counter: the CPU workers would contend on one atomic twice per step.
    private final LongAdder size = new LongAdder();
    // Queued entries of the rare classes, read on every pick, written only for those classes.
    private final AtomicInteger realtimeQueued = new AtomicInteger();
    private final AtomicInteger idleQueued = new AtomicInteger();

    public RoundRobinScheduler() {
        for (ConcurrentLinkedQueue<SchedEntity>[] qs : queues) {
            for (int i = 0; i < QUEUES; i++) qs[i] = new ConcurrentLinkedQueue<>();
        }
    }

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public void enqueue(SchedEntity entity) {
        int c = entity.schedClass().ordinal();
        if (c == REALTIME) realtimeQueued.incrementAndGet();
        else if (c == IDLE) idleQueued.incrementAndGet();
        queues[c][home.get().index].add(entity);
        size.increment();
    }

    @Override
    public SchedEntity pickNext() {
        Home h = home.get();
        int first = ++h.picks % LOOK_AROUND == 0 ? h.index + 1 : h.index;
        SchedEntity e;
        if (realtimeQueued.get() > 0 && (e = poll(REALTIME, first)) != null) {
            realtimeQueued.decrementAndGet();
            return e;
        }
        if ((e = poll(NORMAL, first)) != null) return e;
        if (idleQueued.get() > 0 && (e = poll(IDLE, first)) != null) {
            idleQueued.decrementAndGet();
            return e;
        }
        return null;
    }

    private SchedEntity poll(int c, int first) {
        ConcurrentLinkedQueue<SchedEntity>[] qs = queues[c];
        for (int i = 0; i < QUEUES; i++) {
            SchedEntity e = qs[(first + i) % QUEUES].poll();
            if (e != null) {
                size.decrement();
                return e;
            }
        }
        return null;
    }

    /** Lazy: the kernel drops entries that are no longer READY when they come up. */
    @Override
    public void remove(SchedEntity entity) {
        // Removing from the middle of a queue is O(n); the kernel tolerates stale entries instead.
    }

    @Override
    public int runnable() {
        return (int) Math.max(0, size.sum());
    }

    /** Drops what it may still hold from an earlier binding, then queues in the exported order. */
    @Override
    public void importState(SchedulerState state, java.util.function.LongFunction<SchedEntity> entities) {
        for (ConcurrentLinkedQueue<SchedEntity>[] qs : queues) {
            for (ConcurrentLinkedQueue<SchedEntity> q : qs) q.clear();
        }
        size.reset();
        realtimeQueued.set(0);
        idleQueued.set(0);
        Scheduler.super.importState(state, entities);
    }

    /** The queues interleaved, class by class: the order the workers would roughly pick them in. */
    @Override
    public SchedulerState exportState() {
        SchedulerState s = new SchedulerState(name(), runnable());
        for (ConcurrentLinkedQueue<SchedEntity>[] qs : queues) {
            @SuppressWarnings("unchecked")
            Iterator<SchedEntity>[] its = new Iterator[QUEUES];
            for (int i = 0; i < QUEUES; i++) its[i] = qs[i].iterator();
            boolean more = true;
            while (more) {
                more = false;
                for (Iterator<SchedEntity> it : its) {
                    if (it.hasNext()) {
                        s.add(it.next().pid(), 0);
                        more = true;
                    }
                }
            }
        }
        return s;
    }
}
