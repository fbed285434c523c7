package org.agentos.kernel.api.syscall;

/**
 * Standard error numbers returned by system calls. Codes follow Linux where a Linux errno exists,
 * so that operators can read them the way they read strace output.
 */
public enum Errno {
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such file or object"),
    ESRCH(3, "no such process"),
    EINTR(4, "interrupted"),
    EIO(5, "input/output error"),
    ECHILD(10, "no child process"),
    EAGAIN(11, "resource temporarily unavailable"),
    ENOMEM(12, "out of memory"),
    EBUSY(16, "resource busy"),
    EEXIST(17, "already exists"),
    EINVAL(22, "invalid argument"),
    ENOSPC(28, "no space left"),
    ENOSYS(38, "no such system call"),
    EQUOTA(122, "quota exceeded"),
    ECANCELED(125, "operation canceled"),
    ETIMEDOUT(110, "timed out");

    private final int code;
    private final String description;

    Errno(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The numeric code, as in Linux {@code errno.h} ({@code EQUOTA} is Linux's {@code EDQUOT}). */
    public int code() {
        return code;
    }

    /** A short human description, as {@code strerror} would give. */
    public String description() {
        return description;
    }

    /** True for errors that may succeed when retried unchanged. */
    public boolean isTransient() {
        return this == EAGAIN || this == EINTR || this == ETIMEDOUT || this == EIO || this == EBUSY;
    }
}
