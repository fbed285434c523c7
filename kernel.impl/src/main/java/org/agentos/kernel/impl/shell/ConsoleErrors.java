package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.syscall.SyscallException;

/** How console commands report a user error: one line, the errno first. */
final class ConsoleErrors {
    private ConsoleErrors() {}

    /**
     * Karaf prints an exception from a command as a single "Error executing command: ..." line;
     * this gives that line the errno and message rather than a Java class name.
     */
    static IllegalArgumentException of(SyscallException e) {
        return new IllegalArgumentException(e.errno().name() + ": " + e.getMessage(), null) {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };
    }

    static IllegalArgumentException of(String errno, String message) {
        return of(new SyscallException(org.agentos.kernel.api.syscall.Errno.valueOf(errno), message));
    }
}
