package org.agentos.kernel.api.image;

import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Cuts processes into images and restores images as processes. A privileged kernel service
 * (kernel.admin): its caller decides who the restorer is, and the kernel holds the restored
 * process to what that restorer may grant.
 */
@org.osgi.annotation.versioning.ProviderType
public interface AgentImages {
    /** Highest {@link ProcessImage#format()} this kernel writes and reads. */
    int FORMAT = 1;

    /**
     * Holds {@code pid} at its next quiet step boundary: PAUSED, with no call in flight that
     * could still change the world (a wait for a message, a lock or the clock is taken back and
     * made again later; a running tool is waited for). Then builds its image, calls
     * {@code whileHeld} (to add what lives outside the kernel, such as its files, consistent with
     * the cut), and lets the process go on unless {@code options.keepPaused()} or it was paused
     * already. The memory is a copy-on-write snapshot: reading it does not hold the process.
     *
     * @throws SyscallException {@code ESRCH} no such process, {@code EINVAL} it has ended or is
     *         init, {@code ETIMEDOUT} no quiet boundary within {@code options.timeoutMillis()}
     *         (naming the call it is in)
     */
    AgentCut cut(long pid, CutOptions options, WhileHeld whileHeld) throws SyscallException;

    /**
     * Starts {@code image} as a new process (its pid becomes the image's origin) that continues
     * where the image was cut: the pending call is made, journaled results are served.
     *
     * @throws SyscallException {@code ENOSYS} its program or a tool it uses is not installed (named,
     *         with the version), {@code EINVAL} an image of a newer format or one that does not
     *         hold together, {@code EPERM} capabilities or an owner beyond the restorer
     */
    long restore(ProcessImage image, Iterable<MemoryImageEntry> memory, RestoreSpec spec) throws SyscallException;

    /**
     * Cuts several processes at one moment: each is held at a quiet step boundary (as by
     * {@link #cut}) until all are, then their images are taken, {@code whileHeld} runs once per
     * member, and the named queues they may use (by capability, of their owners) are taken with
     * them; then they go on (unless {@code options.keepPaused()}).
     *
     * @throws SyscallException as {@link #cut}, for the first member that cannot be cut
     *         ({@code EINVAL} for a pid named twice); the others go on
     */
    GroupCut cutGroup(java.util.List<Long> pids, CutOptions options, WhileHeld whileHeld) throws SyscallException;

    /**
     * Restores a group: each member as in {@link #restore} (a member whose parent is in the group
     * becomes the restored parent's child), then the group's queues with their messages, those in
     * flight to a member in flight to its restored copy; then all go on together (or stay paused).
     * All or nothing: a member or a queue refused ({@code EEXIST} for a queue that exists here)
     * ends the ones restored so far.
     *
     * @return the new pids, in the order of {@code members}
     */
    java.util.List<Long> restoreGroup(java.util.List<MemberImage> members, java.util.List<QueueImage> queues, RestoreSpec spec)
            throws SyscallException;

    /**
     * A process's cut of itself, asked for from inside its own call ({@code proc.checkpoint}):
     * that call holds it already, so nothing of it moves while the image is taken. The copy an
     * image of it becomes is given {@code resultOfCopy} as that call's result (as a forked child is
     * told it is the child), so it can tell itself apart from the original.
     *
     * @throws SyscallException {@code EINVAL} when the process is not in a call
     */
    AgentCut cutSelf(long pid, com.fasterxml.jackson.databind.JsonNode resultOfCopy, WhileHeld whileHeld)
            throws SyscallException;

    /**
     * A whole-agent fork: a new process (a child of init, with the same owner, capabilities and
     * quotas) that goes on from {@code pid}'s state at its next quiet step boundary, with a
     * copy-on-write copy of its memory and a copy of its mailbox, in time independent of the size
     * of its memory and files. Both go on; the fork's own usage starts at zero. Its workspace is
     * the same files (the same paths), not a copy. The original is held only for the cut.
     *
     * @param paused start the fork PAUSED
     * @throws SyscallException as {@link #cut}
     */
    long fork(long pid, long timeoutMillis, boolean paused) throws SyscallException;

    /**
     * Makes a shared segment of an image where it is restored, as the image's owner (or the restorer
     * for a process): created with its spec and entries when no segment of that name is here; left as
     * it is (false) when one is, so that an image never overwrites what others share. The restorer
     * must be allowed that owner ({@code EPERM}).
     */
    boolean restoreShared(SharedImage shared, RestoreSpec spec) throws SyscallException;

    /**
     * Puts the unacked messages an image's agent held ({@link AgentCut#held}) in flight to
     * {@code pid}, its restored copy, in their queues here, ids kept: a queue that is not here, or
     * that has a message of that id already (the original still holds it), keeps it where it is;
     * at-least-once delivers it again there. Returns how many were put back.
     */
    int restoreHeld(long pid, java.util.List<QueueImage> held) throws SyscallException;

    /** What runs while the process is held at the cut. */
    @FunctionalInterface
    interface WhileHeld {
        void run(ProcessImage image) throws SyscallException;
    }
}
