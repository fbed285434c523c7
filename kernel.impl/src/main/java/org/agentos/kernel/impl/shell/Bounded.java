package org.agentos.kernel.impl.shell;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Runs a command's work that runs a program's code (a replay, a fork at a step) on its own
 * thread, for at most a time: a step that never returns must not hang the console. Ctrl-C
 * (the command's thread interrupted) and the timeout interrupt the work; a step that ignores
 * the interrupt is left to finish on its daemon thread, as the kernel's watchdog leaves a step.
 */
final class Bounded {
    private Bounded() {}

    static <T> T call(String what, long seconds, Callable<T> work) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(work.call());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "agentos-console-" + what);
        t.setDaemon(true);
        t.start();
        try {
            return done.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            t.interrupt();
            throw ConsoleErrors.of("ETIMEDOUT", what + " did not finish within " + seconds + " s (--timeout; a step that "
                    + "never returns?)");
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw ConsoleErrors.of("EINTR", what + " was interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyscallException se) throw ConsoleErrors.of(se);
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        }
    }
}
