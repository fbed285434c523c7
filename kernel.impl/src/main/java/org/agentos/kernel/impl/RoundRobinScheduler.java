package org.agentos.kernel.impl;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.osgi.service.component.annotations.Component;

/**
 * The kernel's fallback scheduler: one FIFO run queue, every READY process in turn, niceness
 * ignored. Registered with the lowest ranking, so any other {@link Scheduler} service replaces it.
 */
@Component(service = Scheduler.class, property = {
        "service.ranking:Integer=-2147483648",
        "agentos.subsystem.name=round-robin"})
public class RoundRobinScheduler implements Scheduler {
    private final ConcurrentLinkedQueue<SchedEntity> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public void enqueue(SchedEntity entity) {
        queue.add(entity);
        size.incrementAndGet();
    }

    @Override
    public SchedEntity pickNext() {
        SchedEntity e = queue.poll();
        if (e != null) size.decrementAndGet();
        return e;
    }

    /** Lazy: the kernel drops entries that are no longer READY when they come up. */
    @Override
    public void remove(SchedEntity entity) {
        // Removing from the middle of the queue is O(n); the kernel tolerates stale entries instead.
    }

    @Override
    public int runnable() {
        return size.get();
    }
}
