package org.agentos.kernel.impl;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * A tool call running on the I/O executor: the future its caller waits on, and the thread that
 * runs it. The kernel can end the wait at once (kill, timeout, the tool's bundle uninstalled:
 * {@code ENOSYS}) and interrupt the tool, so no caller ever waits on code that has gone.
 */
final class InFlightCall extends CompletableFuture<SyscallResult> {
    private Thread runner;

    /** Runs the call on the current thread unless it was already ended. */
    void run(Supplier<SyscallResult> call) {
        synchronized (this) {
            if (isDone()) return;
            runner = Thread.currentThread();
        }
        try {
            complete(call.get());
        } catch (Throwable t) {
            completeExceptionally(t);
        } finally {
            synchronized (this) {
                runner = null;
            }
            Thread.interrupted(); // an interrupt meant for this call must not reach the next task
        }
    }

    /** Ends the wait with {@code result} and interrupts the tool if it is still running. */
    boolean abandon(SyscallResult result) {
        boolean ended = complete(result);
        if (ended) interruptRunner();
        return ended;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) interruptRunner();
        return cancelled;
    }

    /** Interrupts the tool if it is still running (after a timeout, so it stops working for nobody). */
    synchronized void interruptRunner() {
        if (runner != null) runner.interrupt();
    }
}
