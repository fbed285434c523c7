package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.console.CommandException;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * How console commands report a user error: kernel.api's {@link CommandException} (one line with
 * the errno first, logged at DEBUG by Karaf, no stack trace), which every bundle's commands use.
 */
final class ConsoleErrors {
    private ConsoleErrors() {}

    static CommandException of(SyscallException e) {
        return CommandException.of(e);
    }

    static CommandException of(String errno, String message) {
        return CommandException.of(Errno.valueOf(errno), message);
    }
}
