package org.agentos.kernel.api.console;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A console command's user error, as every bundle's commands report one: Karaf prints one line,
 * {@code Error executing command: ENOENT: no process 42}, logs it at DEBUG and keeps no stack
 * trace (a trace in karaf.log then always means a fault). Karaf 4.4's {@code ShellUtil} tells a
 * user error from a fault by the exception's simple class name, {@code CommandException}, and
 * reads {@link #getNiceHelp()} by reflection; Karaf's own class of that name is checked, and
 * commands raise errors from inside lambdas, so this one is unchecked.
 *
 * @since 1.0
 */
public final class CommandException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CommandException.class);
    // the styles of Karaf's own "Error executing command: ..." line (em, ee), so every error looks alike
    private static final String EM = "\u001B[31m";
    private static final String EE = "\u001B[31;1m";
    private static final String RESET = "\u001B[0m";

    private CommandException(String message) {
        super(message, null);
    }

    /** The errno and message of a failed system call. */
    public static CommandException of(SyscallException e) {
        String line = e.errno().name() + ": " + e.getMessage();
        LOG.info("console command refused: {}", line);
        return new CommandException(line);
    }

    public static CommandException of(Errno errno, String message) {
        return of(new SyscallException(errno, message));
    }

    /** What Karaf prints for it: the line every console error has. */
    public String getNiceHelp() {
        return EM + "Error executing command: " + RESET + EE + getMessage() + RESET;
    }

    /** A user error has no trace worth keeping: it is a message, not a fault. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
