package org.agentos.kernel.impl.syscall;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * A tool call running on the I/O executor: the future its caller waits on, the thread that runs
 * it, and for a tool that answers later ({@code Tool.callAsync}) the stage it returned. The kernel
 * can end the wait at once (kill, timeout, the tool's bundle uninstalled: {@code ENOSYS}) and
 * interrupt the tool or cancel its stage, so no caller ever waits on code that has gone.
 */
final class InFlightCall extends CompletableFuture<SyscallResult> {
    private Thread runner;
    /** The stage of a tool that answers later, while it runs. */
    private CompletableFuture<SyscallResult> pending;

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

    /**
     * Starts the call on the current thread unless it was already ended; the thread is free as
     * soon as the tool has returned its stage, and the call ends when the stage does.
     */
    void runAsync(Supplier<CompletionStage<SyscallResult>> call) {
        CompletionStage<SyscallResult> stage;
        synchronized (this) {
            if (isDone()) return;
            runner = Thread.currentThread();
        }
        try {
            stage = call.get();
        } catch (Throwable t) {
            completeExceptionally(t);
            return;
        } finally {
            synchronized (this) {
                runner = null;
            }
            Thread.interrupted(); // an interrupt meant for this call must not reach the next task
        }
        CompletableFuture<SyscallResult> f = stage.toCompletableFuture();
        synchronized (this) {
            pending = f;
        }
        if (isDone()) f.cancel(true); // ended (timeout, kill) while the tool was starting it
        f.whenComplete((r, ex) -> {
            synchronized (this) {
                pending = null;
            }
            if (ex != null) completeExceptionally(ex);
            else complete(r);
        });
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

    /** Interrupts the tool if it is still running, or cancels its stage (after a timeout, so it stops working for nobody). */
    void interruptRunner() {
        CompletableFuture<SyscallResult> stage;
        synchronized (this) {
            if (runner != null) runner.interrupt();
            stage = pending;
        }
        if (stage != null) stage.cancel(true); // outside the lock: cancelling runs the tool's callbacks
    }
}
