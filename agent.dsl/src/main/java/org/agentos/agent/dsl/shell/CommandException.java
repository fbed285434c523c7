package org.agentos.agent.dsl.shell;

import org.agentos.kernel.api.syscall.SyscallException;

/**
 * A user error at the console: one line, errno first, no stack trace. Karaf 4.4's shell tells a
 * user error from a fault by the simple class name {@code CommandException} and prints its
 * {@code getNiceHelp()} (public: Karaf calls it by reflection).
 */
public final class CommandException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final String EM = "\u001B[31m";
    private static final String EE = "\u001B[31;1m";
    private static final String RESET = "\u001B[0m";

    CommandException(String message) {
        super(message, null);
    }

    static CommandException of(SyscallException e) {
        return new CommandException(e.errno().name() + ": " + e.getMessage());
    }

    static CommandException of(String errno, String message) {
        return new CommandException(errno + ": " + message);
    }

    public String getNiceHelp() {
        return EM + "Error executing command: " + RESET + EE + getMessage() + RESET;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
