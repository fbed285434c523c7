package org.agentos.vfs.versioned.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.syscall.SyscallException;

/** What the vfs commands share: the operator as a caller, one-line errno errors, times. */
final class Console {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Console() {}

    /** The console operator: every permission, owner root, the command as the "syscall". */
    static FsCaller operator(String command) {
        return FsCaller.operator("root", command);
    }

    /** Karaf prints this as one line, "Error executing command: ENOENT: ...", no stack trace. */
    static IllegalArgumentException error(SyscallException e) {
        return new IllegalArgumentException(e.errno().name() + ": " + e.getMessage(), null) {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };
    }

    static String time(long millis) {
        return millis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(millis));
    }
}
