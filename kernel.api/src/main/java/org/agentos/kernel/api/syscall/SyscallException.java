package org.agentos.kernel.api.syscall;

import java.util.Objects;

/**
 * A failed system call: an {@link Errno} and a message a person understands. Tools throw it; the
 * kernel turns it into a {@link SyscallResult} so that agent code never sees an exception.
 */
public class SyscallException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public SyscallException(Errno errno, String message) {
        super(message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public SyscallException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public Errno errno() {
        return errno;
    }

    /** {@code "ESRCH: no process 42"}: how consoles and logs show the error. */
    @Override
    public String toString() {
        return errno.name() + ": " + getMessage();
    }
}
