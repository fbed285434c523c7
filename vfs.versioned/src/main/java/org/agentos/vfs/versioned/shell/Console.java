package org.agentos.vfs.versioned.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.SyscallException;

/** What the vfs commands share: the operator as a caller, one-line errno errors, times. */
final class Console {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Console() {}

    /**
     * The console user running {@code command}, as the filesystem's caller: an administrator with
     * every permission; anyone else reads only their own home, {@code /home/<user>} (files of other
     * tenants, {@code /mem} and {@code /proc} are theirs and the administrators'). Writes are the
     * administrators' (etc/org.apache.karaf.command.acl.vfs.cfg). Versions name the user.
     */
    static FsCaller operator(String command) {
        ConsoleOperator op = ConsoleOperator.current();
        if (op.isAdmin()) return FsCaller.operator(op.name(), command);
        if (!op.hasSafeName()) return FsCaller.consoleUser(op.name(), command, cap -> false);
        String home = "/home/" + op.name();
        return FsCaller.consoleUser(op.name(), command, cap -> cap.equals("fs:read:" + home)
                || cap.startsWith("fs:read:" + home + "/"));
    }

    /** A user error: one line, "Error executing command: ENOENT: ...", no stack trace (kernel.api's CommandException). */
    static CommandException error(SyscallException e) {
        return CommandException.of(e);
    }

    static String time(long millis) {
        return millis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(millis));
    }
}
