package org.agentos.kernel.api.sched;

import java.util.function.LongFunction;

/**
 * Picks the next READY process for a CPU worker. Register an implementation as an OSGi service;
 * the kernel binds the highest-ranked one and can swap it while the system runs.
 *
 * <p>The swap protocol: the kernel stops picking (quiesce), asks the old scheduler for
 * {@link #exportState()}, gives that to the new one's {@link #importState}, and resumes with the
 * new one. When there is nothing to export or the import throws, it rebuilds the run queue from
 * the process table instead, which is the kernel's own truth. Either way no process is lost.
 *
 * <p>All methods are called concurrently by the kernel's CPU workers and must be thread-safe.
 * The kernel tolerates stale entries: an entity returned by {@link #pickNext()} that is no longer
 * READY is dropped, so {@link #remove} may be lazy.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Scheduler {

    /** A short name for {@code kernel:subsystems}, e.g. {@code round-robin}. */
    String name();

    /** The process became READY. */
    void enqueue(SchedEntity entity);

    /** The next process to run, removed from the run queue, or {@code null} when none is READY. */
    SchedEntity pickNext();

    /** The process left READY (paused, killed) without being picked. */
    void remove(SchedEntity entity);

    /** The process ran for {@code nanos} on a CPU worker (for fair schedulers' virtual time). */
    default void charge(SchedEntity entity, long nanos) {}

    /** Number of entities queued. */
    int runnable();

    /**
     * The run queue and the fairness state worth carrying over to a successor, or {@code null}
     * for none (then the kernel rebuilds the successor's queue from the process table). Called
     * while the kernel does not pick.
     */
    default SchedulerState exportState() {
        return null;
    }

    /**
     * Takes over what a predecessor (possibly another implementation) exported. {@code entities}
     * resolves a pid to the kernel's entity, or {@code null} for a process that left READY
     * meanwhile (skip it). This default enqueues in the exported order.
     *
     * @throws IllegalArgumentException when the state cannot be used, e.g. an unknown
     *         {@link SchedulerState#version}; the kernel then rebuilds from the process table
     */
    default void importState(SchedulerState state, LongFunction<SchedEntity> entities) {
        if (state.version != SchedulerState.VERSION) {
            throw new IllegalArgumentException("scheduler state version " + state.version + " is not " + SchedulerState.VERSION);
        }
        for (int i = 0; i < state.count; i++) {
            SchedEntity entity = entities.apply(state.pids[i]);
            if (entity != null) enqueue(entity);
        }
    }

    /**
     * A new, empty instance of this policy that orders the processes waiting for a scarce resource
     * (the calls to one language-model provider, whose concurrency is bounded): the kernel enqueues
     * a waiting caller, picks the next one when a slot frees, and charges the time each call held
     * its slot. {@code null}, the default, means first come, first served.
     *
     * @param resource the resource, e.g. the tool name {@code llm.chat}
     */
    default Scheduler forResource(String resource) {
        return null;
    }
}
