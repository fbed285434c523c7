package org.agentos.console.web.api;

import org.agentos.kernel.api.syscall.SyscallException;

/** A request the API refuses: an HTTP status and a standard errno with a message a person reads. */
public final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String errno;

    public ApiException(int status, String errno, String message) {
        super(message);
        this.status = status;
        this.errno = errno;
    }

    public static ApiException invalid(String message) {
        return new ApiException(400, "EINVAL", message);
    }

    public static ApiException of(SyscallException e) {
        int status = switch (e.errno()) {
            case ESRCH, ENOENT -> 404;
            case EPERM -> 403;
            case EINVAL -> 400;
            case ENOSYS -> 503;
            default -> 409;
        };
        return new ApiException(status, e.errno().name(), e.getMessage());
    }

    public int status() {
        return status;
    }

    public String errno() {
        return errno;
    }
}
