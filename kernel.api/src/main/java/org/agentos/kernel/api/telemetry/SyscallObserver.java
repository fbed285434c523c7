package org.agentos.kernel.api.telemetry;

import org.agentos.kernel.api.process.ExitStatus;

/**
 * Told of every syscall as it ends and of every process as it ends: what a tracer needs. A
 * whiteboard service; the kernel calls the observers of bundles that hold {@code kernel.admin}
 * and ignores the others. Called on the thread that ended the call (a CPU worker among them):
 * return at once, hand anything slow to a thread of your own. An exception is logged and the
 * call goes on. With no observer registered, the kernel spends nothing on this.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface SyscallObserver {
    void syscallEnded(SyscallEvent event);

    /** Process {@code pid} ended with {@code status} at {@code endMillis} (epoch). */
    default void processEnded(long pid, String owner, String program, long startMillis, long endMillis, ExitStatus status) {}
}
