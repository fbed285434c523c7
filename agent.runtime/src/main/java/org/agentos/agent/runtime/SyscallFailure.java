package org.agentos.agent.runtime;

import org.agentos.kernel.api.syscall.Errno;

/**
 * A system call made through {@link Sys} failed: its errno and the kernel's message, e.g.
 * {@code EPERM: fs.write needs capability 'fs:write:/etc/x', which pid 42 does not hold}. Agent
 * code may catch it and go on; one it does not catch ends the process with exit code 1.
 */
public class SyscallFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String syscall;

    public SyscallFailure(String syscall, Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = errno;
        this.syscall = syscall;
    }

    /** The standard error number, e.g. {@link Errno#ENOENT}. */
    public Errno errno() {
        return errno;
    }

    /** The call that failed, e.g. {@code fs.read}. */
    public String syscall() {
        return syscall;
    }
}
