package org.agentos.kernel.api.fs;

import java.util.Objects;
import java.util.function.Predicate;
import org.agentos.kernel.api.syscall.ToolContext;

/**
 * Who asks the filesystem for something: the process (pid, owner, its capabilities), the bundle
 * the request came through, and the system call. Recorded with every version it makes.
 */
public final class FsCaller {
    private final long pid;
    private final String owner;
    private final String bundle;
    private final String syscall;
    private final Predicate<String> permits;
    private final String callId;
    private final long viewOf;

    private FsCaller(long pid, String owner, String bundle, String syscall, Predicate<String> permits) {
        this(pid, owner, bundle, syscall, permits, null, pid);
    }

    private FsCaller(long pid, String owner, String bundle, String syscall, Predicate<String> permits, String callId,
                     long viewOf) {
        this.callId = callId;
        this.viewOf = viewOf;
        this.pid = pid;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.bundle = bundle;
        this.syscall = syscall;
        this.permits = permits;
    }

    /** The process making system call {@code syscall}, served by {@code bundle}. */
    public static FsCaller of(ToolContext ctx, String syscall, String bundle) {
        return new FsCaller(ctx.pid(), ctx.owner(), bundle, syscall, ctx::permits, ctx.callId(), ctx.pid());
    }

    /** An operator at the console: pid 0, every permission, {@code user} as the owner. */
    public static FsCaller operator(String user, String command) {
        return new FsCaller(0, user, "console", command, c -> true);
    }

    /**
     * A console user without the admin role: pid 0, {@code user} as the owner, and only the
     * capabilities {@code permits} grants (for example their own home).
     */
    public static FsCaller consoleUser(String user, String command, Predicate<String> permits) {
        return new FsCaller(0, user, "console", command, Objects.requireNonNull(permits, "permits"));
    }

    public long pid() { return pid; }
    public String owner() { return owner; }
    public String bundle() { return bundle; }
    public String syscall() { return syscall; }

    /**
     * The identity of the process's call ({@code ToolContext.callId()}), the same when the call is
     * made again after a crash: a filesystem answers a repeat with the change it made the first
     * time. Null for the console.
     *
     * @since 1.2
     */
    public String callId() { return callId; }

    /**
     * Whose view of the files this caller has: its own process's (a fork's workspace is its own,
     * see {@link FileSystem#fork}); 0, the files as they are, for the console.
     *
     * @since 1.3
     */
    public long viewOf() { return viewOf; }

    /**
     * This caller looking at the files as process {@code pid} sees them (an operator writing a
     * process's image reads its workspace so); its permissions and its name in the records stay.
     *
     * @since 1.3
     */
    public FsCaller viewing(long pid) {
        return new FsCaller(this.pid, owner, bundle, syscall, permits, callId, pid);
    }

    /** Whether the caller holds a capability that permits {@code capability}. */
    public boolean permits(String capability) {
        return permits.test(capability);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (" + owner + ") via " + syscall;
    }
}
