package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How console commands report a user error: one line with the errno first on the console, one
 * INFO line in the log, no stack trace. Stack traces in karaf.log are left to the kernel's own
 * faults (anything else a command throws), so that an operator who sees one knows it is a bug.
 */
final class ConsoleErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleErrors.class);

    private ConsoleErrors() {}

    static CommandException of(SyscallException e) {
        String line = e.errno().name() + ": " + e.getMessage();
        LOG.info("console command refused: {}", line);
        return new CommandException(line);
    }

    static CommandException of(String errno, String message) {
        return of(new SyscallException(Errno.valueOf(errno), message));
    }

    /**
     * A user error as Karaf's shell recognises one. Karaf 4.4's {@code ShellUtil.logException}
     * tells a user error from a fault by the exception's simple class name: a
     * {@code CommandException} is logged at DEBUG and shown through its {@code getNiceHelp()};
     * anything else is logged at ERROR with its stack trace. Karaf's own
     * {@code org.apache.karaf.shell.support.CommandException} is checked, and commands raise
     * errors from inside lambdas ({@link Pids#each}), so this unchecked one carries the same name.
     * Public, because Karaf calls {@code getNiceHelp()} by reflection from its own bundle.
     */
    public static final class CommandException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        // the styles of Karaf's own "Error executing command: ..." line (em, ee), so every error looks alike
        private static final String EM = "\u001B[31m";
        private static final String EE = "\u001B[31;1m";
        private static final String RESET = "\u001B[0m";

        CommandException(String message) {
            super(message, null);
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
}
