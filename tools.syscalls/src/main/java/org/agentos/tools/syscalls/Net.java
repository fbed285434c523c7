package org.agentos.tools.syscalls;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** What {@code http.fetch} and {@code llm.chat} share about talking HTTP: deadlines and failure reasons. */
final class Net {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private Net() {}

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "agentos-tools-deadline");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        // No thread lingers once the bundle is idle (or stopped).
        t.setKeepAliveTime(10, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        return t;
    }

    /**
     * Closes {@code stream} at {@code deadlineNanos} ({@link System#nanoTime()}) unless the returned
     * guard is closed first. HttpClient's request timeout ends at the response headers; a body that
     * trickles in would otherwise hold the caller past its time limit.
     */
    static Guard closeAt(Closeable stream, long deadlineNanos) {
        long delay = Math.max(0, deadlineNanos - System.nanoTime());
        ScheduledFuture<?> f = TIMER.schedule(() -> {
            try {
                stream.close();
            } catch (IOException ignored) {
                // closing is the whole point; if it fails the reader still ends at the kernel's timeout
            }
        }, delay, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    /** Cancels a deadline; closing it never throws. */
    interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    static boolean passed(long deadlineNanos) {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    static long millisLeft(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    /** Whether the connection was refused (nothing listens on that port). */
    static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) return true;
        }
        return false;
    }

    /** Whether the host name could not be resolved when HttpClient connected. */
    static boolean unresolved(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) return true;
        }
        return false;
    }

    /** A short reason for a failed exchange: "connection refused", "connection reset", or the exception's message. */
    static String reason(Throwable e) {
        if (refused(e)) return "connection refused";
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("reset")) return "connection reset";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        return e.getClass().getSimpleName();
    }
}
