package org.agentos.kernel.api.console;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * A console command's failure as a person reads it: Karaf prints it as one line,
 * {@code Error executing command: ENOENT: no process 42}, without a stack trace. Every bundle's
 * commands throw these, so that all of them fail the same way.
 */
public final class ConsoleError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private ConsoleError(String message) {
        super(message, null);
    }

    /** The errno and message of a failed system call. */
    public static ConsoleError of(SyscallException e) {
        return of(e.errno(), e.getMessage());
    }

    public static ConsoleError of(Errno errno, String message) {
        return new ConsoleError(errno.name() + ": " + message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // what went wrong is in the message; a trace would only be noise at the console
    }
}
