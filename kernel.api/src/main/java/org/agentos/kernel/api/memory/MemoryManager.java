package org.agentos.kernel.api.memory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The memory subsystem. Register an implementation as an OSGi service; the kernel binds the
 * highest-ranked one (or the one {@code kernel:swap memory} names), tells it about processes
 * starting, forking and ending, and serves the {@code mem.*} system calls through it.
 *
 * <p>Access: every call with a {@link MemCaller} checks it. A process reads and writes its own
 * {@code user/<pid>} and reads {@code system}; otherwise it needs {@code mem:read:<space>} or
 * {@code mem:write:<space>} ({@code EPERM} names the one missing); only the kernel writes
 * {@code system}. Errors: {@code EINVAL} for a bad space name, key or value, {@code ENOENT} for
 * a missing space or key, {@code EQUOTA} beyond a quota, {@code EPERM}, {@code EIO} when a
 * persistent write cannot be made.
 *
 * <p>Writes return a {@link CompletionStage}: complete at once for memory-only spaces, after the
 * write is on disk for persistent ones (an acknowledged write is a kept write). The kernel keeps
 * the calling process BLOCKED meanwhile, holding no thread.
 *
 * <p>Waiting is the kernel's: {@link #tryLock} and {@link #trySemAcquire} never block; the kernel
 * queues the processes that must wait and tries again for them when {@link #unlock},
 * {@link #semRelease} or {@link #processExited} says an object was freed.
 *
 * <p>Swap: the kernel stops memory calls (quiesce), takes {@link #exportState()}, gives it to the
 * successor's {@link #importState}, and resumes with the successor.
 *
 * <p>All methods are called concurrently and must be thread-safe. Register the service with
 * {@code agentos.permission=mem.admin} ({@link org.agentos.kernel.api.security.KernelPermission#MEM_ADMIN}):
 * a caller names itself in {@link MemCaller}, so only the kernel and trusted bundles may see it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface MemoryManager {

    /** A short name for {@code kernel:subsystems}, e.g. {@code hierarchical}. */
    String name();

    // ---- entries

    /** The value under {@code key}; a paged-out working entry is paged back in. */
    MemEntry get(MemCaller caller, String space, String key) throws SyscallException;

    /** Stores {@code value} under {@code key} (a new version); {@code user/<pid>} is created on first use. */
    CompletionStage<EntryInfo> put(MemCaller caller, String space, String key, MemWrite value) throws SyscallException;

    /** Removes {@code key}; completes with false when there was none. */
    CompletionStage<Boolean> delete(MemCaller caller, String space, String key) throws SyscallException;

    /**
     * Writes {@code value} only if the key's version is {@code expectedVersion} (0: only if the
     * key does not exist).
     */
    CompletionStage<CasOutcome> cas(MemCaller caller, String space, String key, long expectedVersion, MemWrite value)
            throws SyscallException;

    /** Keys starting with {@code prefix} (may be empty) after {@code after} (null: from the start), in key order. */
    EntryPage list(MemCaller caller, String space, String prefix, String after, int limit) throws SyscallException;

    /** Entries whose key or text matches {@code query} (words, all of them), best first. */
    List<EntryInfo> search(MemCaller caller, String space, String query, int limit) throws SyscallException;

    // ---- spaces

    /** Creates {@code shared/<name>} owned by the caller's owner; needs {@code mem:share:<name>}. {@code EEXIST}. */
    SpaceInfo share(MemCaller caller, String name, SharedSpec spec) throws SyscallException;

    /**
     * Deletes a shared space (its owner, or {@code mem:admin}) with everything in it.
     *
     * @return its synchronization objects that were held or existed, as {@code <space>#<name>}, for
     *         the kernel to end the waits on them
     */
    List<String> deleteSpace(MemCaller caller, String space) throws SyscallException;

    /** Every space, measured. */
    List<SpaceInfo> spaces();

    Optional<SpaceInfo> space(String space);

    /** Use per owner, with quotas. */
    List<MemUsage> usage();

    // ---- processes (the kernel calls these)

    /**
     * Process {@code pid} of {@code owner} started (spawned, or restored after a restart):
     * its space {@code user/<pid>} exists from now on (empty, or as it was kept).
     */
    void processStarted(long pid, String owner);

    /**
     * {@code child} is a fork of {@code parent}: its user space becomes a logical copy of the
     * parent's, in time independent of its size; the two share what neither has written since.
     */
    void fork(long parent, long child, String childOwner) throws SyscallException;

    /**
     * Process {@code pid} ended: its locks and semaphore permits are released, its user space
     * freed (or kept, by the manager's policy).
     *
     * @return the synchronization objects freed, as {@code <space>#<name>}, for the kernel to wake waiters
     */
    List<String> processExited(long pid);

    /** Sets the token budget of {@code pid}'s context window (0 = unlimited); pages out at once if over. */
    void setTokenBudget(long pid, long tokens);

    /**
     * Pages back in the caller's archived working entries that best match {@code query}
     * (full-text), at most {@code limit}, paging out others if the budget needs it.
     */
    List<MemEntry> recall(MemCaller caller, String query, int limit) throws SyscallException;

    // ---- synchronization

    /** Takes lock {@code name} of {@code space} for the caller if it is free; false when another holds it. */
    boolean tryLock(MemCaller caller, String space, String name) throws SyscallException;

    /** Releases a lock the caller holds ({@code EPERM} otherwise). */
    void unlock(MemCaller caller, String space, String name) throws SyscallException;

    /**
     * Takes {@code permits} of semaphore {@code name} of {@code space} if that many are free; a
     * semaphore that does not exist yet is created with {@code initial} permits.
     */
    boolean trySemAcquire(MemCaller caller, String space, String name, int permits, int initial) throws SyscallException;

    /** Gives back {@code permits} the caller holds ({@code EINVAL} beyond what it holds). */
    void semRelease(MemCaller caller, String space, String name, int permits) throws SyscallException;

    // ---- memory pressure

    /**
     * Frees about {@code bytes} by paging out working entries of the processes in {@code victims},
     * in that order (the kernel lists idle-class first); persistent data is never dropped.
     *
     * @return the bytes freed
     */
    long reclaim(long bytes, List<Long> victims);

    // ---- live swap

    /**
     * Everything this manager holds. Called while the kernel makes no memory calls. The documents
     * in it may be the manager's own nodes, shared and possibly read-only: nobody changes them,
     * so an importer may keep them as they are (or copy them), and may take each entry's
     * {@code bytes} as its size.
     */
    MemoryState exportState();

    /**
     * Takes over what a predecessor exported (possibly another implementation), replacing what
     * this one holds.
     *
     * @throws IllegalArgumentException when it cannot use the state (an unknown version)
     */
    void importState(MemoryState state);
}
