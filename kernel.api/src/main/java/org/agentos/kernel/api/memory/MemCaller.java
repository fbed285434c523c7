package org.agentos.kernel.api.memory;

import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Who asks the memory manager for something: a process (pid, owner, its capabilities), an operator
 * at the console, or the kernel itself. Every manager applies the same rules, through
 * {@link #checkRead} and {@link #checkWrite}: a process reaches its own {@code user/<pid>} and
 * reads {@code system} always; only the kernel writes {@code system}; anything else takes a
 * capability ({@code mem:read:<space>}, {@code mem:write:<space>}, {@code mem:share:<name>},
 * {@code mem:admin}).
 */
public final class MemCaller {
    private final long pid;
    private final String owner;
    private final Predicate<String> permits;
    private final boolean kernel;
    private final String callId;

    private MemCaller(long pid, String owner, Predicate<String> permits, boolean kernel) {
        this(pid, owner, permits, kernel, null);
    }

    private MemCaller(long pid, String owner, Predicate<String> permits, boolean kernel, String callId) {
        this.callId = callId;
        this.pid = pid;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.permits = Objects.requireNonNull(permits, "permits");
        this.kernel = kernel;
    }

    /** Process {@code pid} of {@code owner}, holding the capabilities {@code permits} accepts. */
    public static MemCaller process(long pid, String owner, Predicate<String> permits) {
        return new MemCaller(pid, owner, permits, false);
    }

    /**
     * This caller making call {@code callId} of its process ({@code ToolContext.callId()}), the
     * same when the call is made again after a crash: a manager keeping persistent spaces answers
     * such a repeat of a write with the entry it wrote the first time.
     *
     * @since 1.2
     */
    public MemCaller withCall(String callId) {
        return new MemCaller(pid, owner, permits, kernel, callId);
    }

    /** The process call this is, or null (see {@link #withCall}). @since 1.2 */
    public String callId() {
        return callId;
    }

    /** An operator at the console: pid 0, every capability, {@code user} as the owner. */
    public static MemCaller operator(String user) {
        return new MemCaller(0, user, c -> true, false);
    }

    /** The kernel: the only caller that writes {@code system}. */
    public static MemCaller kernel() {
        return new MemCaller(0, "root", c -> true, true);
    }

    public long pid() { return pid; }
    public String owner() { return owner; }
    public boolean isKernel() { return kernel; }

    /** Whether the caller holds a capability that permits {@code capability}. */
    public boolean permits(String capability) {
        return permits.test(capability);
    }

    /** Whether {@code space} is this process's own {@code user/<pid>}. */
    public boolean owns(String space) {
        return pid > 0 && space != null && space.equals(SpaceKind.userSpace(pid));
    }

    /** Whether a space of {@code kind} belonging to process {@code spacePid} (0: none) is this process's own. */
    public boolean owns(SpaceKind kind, long spacePid) {
        return kind == SpaceKind.USER && pid > 0 && spacePid == pid;
    }

    /**
     * EPERM unless the caller may read {@code space}: {@code system} and a process's own user
     * space are readable, anything else needs {@code mem:read:<space>}. EINVAL for a malformed name.
     */
    public void checkRead(String space) throws SyscallException {
        SpaceKind kind = SpaceKind.parse(space);
        checkRead(space, kind, owns(space) ? pid : 0, "mem:read:" + space);
    }

    /**
     * {@link #checkRead(String)} for a space the manager knows: its kind, its process (user spaces;
     * 0 otherwise) and its read capability, kept when it was made, so that nothing is parsed or
     * built on the way (this runs on every read).
     */
    public void checkRead(String space, SpaceKind kind, long spacePid, String readCapability) throws SyscallException {
        if (kind == SpaceKind.SYSTEM || owns(kind, spacePid)) return;
        if (!permits(readCapability)) throw denied("read " + space, readCapability);
    }

    /**
     * EPERM unless the caller may write {@code space}: only the kernel writes {@code system} (no
     * capability grants it), a process its own user space; anything else needs
     * {@code mem:write:<space>}. EINVAL for a malformed name.
     */
    public void checkWrite(String space) throws SyscallException {
        SpaceKind kind = SpaceKind.parse(space);
        checkWrite(space, kind, owns(space) ? pid : 0, "mem:write:" + space);
    }

    /** {@link #checkWrite(String)} for a space the manager knows (see {@link #checkRead(String, SpaceKind, long, String)}). */
    public void checkWrite(String space, SpaceKind kind, long spacePid, String writeCapability) throws SyscallException {
        if (kind == SpaceKind.SYSTEM) {
            if (!kernel) throw new SyscallException(Errno.EPERM, this + " may not write system: only the kernel does (no capability grants it)");
            return;
        }
        if (owns(kind, spacePid)) return;
        if (!permits(writeCapability)) throw denied("write " + space, writeCapability);
    }

    /**
     * EPERM unless the caller may reach a space that belongs to {@code spaceOwner}, besides what
     * its capabilities say: a space of its own owner, a shared space that lists the caller's owner
     * among its {@code members}, or with {@code mem:admin} (the kernel and operators hold it). A
     * capability names a space, not whose it is; this stops a {@code mem:read:shared/*} or a
     * squatted name from reaching another tenant's data. {@code system} is everyone's.
     */
    public void checkOwner(String space, SpaceKind kind, String spaceOwner, Set<String> members) throws SyscallException {
        if (kind == SpaceKind.SYSTEM || owner.equals(spaceOwner) || members.contains(owner) || permits("mem:admin")) return;
        throw new SyscallException(Errno.EPERM, space + " belongs to owner " + spaceOwner + ", which has not made " + owner
                + " a member (" + this + ")");
    }

    /** EPERM unless the caller holds {@code capability}; {@code what} says what it may not do ("create shared/x"). */
    public void require(String capability, String what) throws SyscallException {
        if (!permits(capability)) throw denied(what, capability);
    }

    private SyscallException denied(String what, String capability) {
        return new SyscallException(Errno.EPERM, this + " may not " + what + ": it needs " + capability);
    }

    @Override
    public String toString() {
        return kernel ? "kernel" : pid == 0 ? "operator " + owner : "pid " + pid + " (" + owner + ")";
    }
}
