package org.agentos.kernel.api.sched;

/**
 * Picks the next READY process for a CPU worker. Register an implementation as an OSGi service;
 * the kernel binds the highest-ranked one and can swap it while the system runs (on a swap it
 * re-enqueues every READY process into the new scheduler from the process table).
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
}
