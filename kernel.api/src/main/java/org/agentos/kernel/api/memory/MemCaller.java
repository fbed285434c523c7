package org.agentos.kernel.api.memory;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Who asks the memory manager for something: a process (pid, owner, its capabilities), an operator
 * at the console, or the kernel itself. The manager decides access with {@link #permits}: a process
 * reaches its own {@code user/<pid>} and reads {@code system} always; anything else by capability
 * ({@code mem:read:<space>}, {@code mem:write:<space>}, {@code mem:share:<name>}, {@code mem:admin}).
 */
public final class MemCaller {
    private final long pid;
    private final String owner;
    private final Predicate<String> permits;
    private final boolean kernel;

    private MemCaller(long pid, String owner, Predicate<String> permits, boolean kernel) {
        this.pid = pid;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.permits = Objects.requireNonNull(permits, "permits");
        this.kernel = kernel;
    }

    /** Process {@code pid} of {@code owner}, holding the capabilities {@code permits} accepts. */
    public static MemCaller process(long pid, String owner, Predicate<String> permits) {
        return new MemCaller(pid, owner, permits, false);
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

    @Override
    public String toString() {
        return kernel ? "kernel" : pid == 0 ? "operator " + owner : "pid " + pid + " (" + owner + ")";
    }
}
