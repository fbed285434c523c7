package org.agentos.kernel.api.hal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The standard streams of a command a {@link Sandbox} runs, handled the same way by every HAL:
 * its input written on a thread of its own, its output kept up to a bound and drained beyond it,
 * so that neither a command that never reads nor one that writes without end blocks the kernel.
 */
public final class CommandStreams {
    private CommandStreams() {}

    /** What ends a started command: how it went, given whether its timeout killed it. */
    @FunctionalInterface
    public interface Finish<R> {
        R result(boolean timedOut);
    }

    /**
     * The stage of a started command ({@link Sandbox#start}), with no thread waiting for it: once
     * {@code process} has exited, or at {@code timeout} has been killed with {@code kill}, the
     * stage completes with {@code finish} on {@code executor} (it may wait a moment for the last
     * output). Cancelling the stage kills the process on {@code executor}.
     */
    public static <R> CompletableFuture<R> whenEnded(Process process, Duration timeout, Consumer<Process> kill,
                                                     Finish<R> finish, Executor executor) {
        CompletableFuture<R> result = new CompletableFuture<>();
        process.onExit().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenCompleteAsync((p, ex) -> {
            boolean timedOut = ex != null;
            if (timedOut) kill.accept(process); // then finish once it is gone
            try {
                result.complete(finish.result(timedOut));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, executor);
        result.whenComplete((r, ex) -> {
            if (result.isCancelled()) executor.execute(() -> kill.accept(process));
        });
        return result;
    }

    /**
     * Writes {@code stdin} (UTF-8) to the command's input on a daemon thread, then closes it; with
     * no input it is closed at once.
     */
    public static void feed(OutputStream in, String stdin, String threadName) {
        if (stdin == null || stdin.isEmpty()) {
            try {
                in.close();
            } catch (IOException e) {
                // the command has gone already; it had no input to miss
            }
            return;
        }
        Thread t = new Thread(() -> {
            try (in) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // broken pipe: the command ended or closed its input without reading all of it
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
    }

    /** Starts reading {@code in} on a daemon thread, keeping its first {@code max} bytes. */
    public static Output capture(InputStream in, int max, String threadName) {
        Output o = new Output(in, max);
        Thread t = new Thread(o::drain, threadName);
        t.setDaemon(true);
        t.start();
        return o;
    }

    /** One output stream of a command: its first bytes, and whether there were more. */
    public static final class Output {
        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long total;
        private boolean ended;

        private Output(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        private void drain() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        kept.write(buf, 0, (int) Math.max(0, Math.min(n, max - kept.size())));
                        total += n;
                    }
                }
            } catch (IOException e) {
                // the stream was closed under us: what was read so far is the output
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        /**
         * Waits at most {@code millis} for the end of the stream. A process that escaped its kill
         * may hold the stream open: then the output so far is taken and the thread drains on.
         */
        public synchronized void awaitEnd(long millis) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            boolean interrupted = false;
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        /** The bytes kept, as UTF-8 text. */
        public synchronized String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }

        /** Whether the command wrote more than was kept. */
        public synchronized boolean truncated() {
            return total > max;
        }
    }
}
