package org.agentos.kernel.api.process;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The process table as an operator drives it (the console, tests, management tools). Processes
 * spawned here are children of init (pid 1) and may hold any capability; processes spawn their
 * own children through the {@code proc.spawn} syscall instead, where attenuation applies.
 *
 * <p>Errors are {@link SyscallException}s with a standard errno: {@code ESRCH} for an unknown
 * pid, {@code ENOENT} for an unknown program, {@code EINVAL} for bad arguments or a transition
 * that does not apply (resuming a process that is not paused).
 */
@org.osgi.annotation.versioning.ProviderType
public interface ProcessManager {

    /** pid of init, the ancestor of every process and the reaper of orphans. */
    long INIT_PID = 1;

    long spawn(SpawnSpec spec) throws SyscallException;

    /**
     * A child that a process of another node of the cluster asked for ({@code proc.spawn} with a
     * {@code node}), started here as a child of init: its owner is the caller's (whatever
     * {@code spec} says), its capabilities at most the caller's (checked here again), its
     * quotas {@code spec}'s. The owner's process limit here applies. Audited with who asked.
     *
     * @throws SyscallException {@code EPERM} capabilities beyond the caller's, {@code ENOENT} no
     *         such program here, {@code EAGAIN} the owner's limit
     */
    long spawnFor(org.agentos.kernel.api.cluster.RemoteCaller caller, SpawnSpec spec) throws SyscallException;

    /** Holds the process at its next syscall boundary. */
    void pause(long pid) throws SyscallException;

    /** Makes a paused process READY again (or cancels a pending pause). */
    void resume(long pid) throws SyscallException;

    /** Delivers a catchable terminate request at the process's next step. */
    void terminate(long pid) throws SyscallException;

    /** Ends the process now; it does not run another step. */
    void kill(long pid) throws SyscallException;

    /** Completes when the process has ended (at once if it already has). */
    CompletionStage<ExitStatus> awaitExit(long pid) throws SyscallException;

    Optional<ProcessInfo> info(long pid);

    /** All processes, ordered by pid, at most {@code limit} of them. */
    List<ProcessInfo> list(int limit);

    /**
     * The processes matching {@code query}, lowest pids first, and how many matched: only the
     * page is materialised, so listing a few rows of a table of a million processes is cheap.
     *
     * @since 1.1
     */
    ProcessListing list(ProcessQuery query);

    /** Number of entries in the process table (zombies included). */
    int count();

    /** The programs that can be spawned now. */
    List<ProgramInfo> programs();
}
