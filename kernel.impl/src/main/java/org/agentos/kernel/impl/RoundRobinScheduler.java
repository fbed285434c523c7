package org.agentos.kernel.impl;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.osgi.service.component.annotations.Component;

/**
 * The kernel's fallback scheduler: round robin, niceness ignored. Registered with the lowest
 * ranking, so any other {@link Scheduler} service replaces it.
 *
 * <p>Like an OS's per-CPU run queues: each thread that makes processes runnable (a CPU worker,
 * mostly) has its own FIFO queue, so workers do not contend on one queue and a process tends to
 * stay on the worker whose cache holds it. A worker takes from its own queue, steals from the
 * others when it is empty, and every {@value #LOOK_AROUND}th pick looks at the others first, so
 * no queue (a timer's, the console's) waits behind a busy worker for long.
 */
@Component(service = Scheduler.class, property = {
        "service.ranking:Integer=-2147483648",
        "agentos.subsystem.name=round-robin"})
public class RoundRobinScheduler implements Scheduler {
    private static final int QUEUES = 8;
    private static final int LOOK_AROUND = 32;

    /** A thread's place in the scheduler: its home queue and its pick counter. */
    private static final class Home {
        final int index;
        int picks;

        Home(int index) {
            this.index = index;
        }
    }

    @SuppressWarnings("unchecked")
    private final ConcurrentLinkedQueue<SchedEntity>[] queues = new ConcurrentLinkedQueue[QUEUES];
    private final AtomicInteger nextHome = new AtomicInteger();
    private final ThreadLocal<Home> home = ThreadLocal.withInitial(() -> new Home(nextHome.getAndIncrement() % QUEUES));
    // A striped counter: the CPU workers would contend on one atomic twice per step.
    private final LongAdder size = new LongAdder();

    public RoundRobinScheduler() {
        for (int i = 0; i < QUEUES; i++) queues[i] = new ConcurrentLinkedQueue<>();
    }

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public void enqueue(SchedEntity entity) {
        queues[home.get().index].add(entity);
        size.increment();
    }

    @Override
    public SchedEntity pickNext() {
        Home h = home.get();
        int first = ++h.picks % LOOK_AROUND == 0 ? h.index + 1 : h.index;
        for (int i = 0; i < QUEUES; i++) {
            SchedEntity e = queues[(first + i) % QUEUES].poll();
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
}
