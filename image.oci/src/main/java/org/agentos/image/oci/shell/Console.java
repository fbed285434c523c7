package org.agentos.image.oci.shell;

import java.nio.file.Path;
import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/** What the image commands share: one-line errno errors, the owner rule, image directories. */
final class Console {
    private Console() {}

    /** A user error: one line, "Error executing command: ENOENT: ...", no stack trace (kernel.api's CommandException). */
    static CommandException error(SyscallException e) {
        return CommandException.of(e);
    }

    static CommandException error(Errno errno, String message) {
        return CommandException.of(errno, message);
    }

    /** Refuses a process of another owner to a user without the admin role (Karaf's ACLs know roles, not owners). */
    static void requireOwner(ProcessManager processes, ConsoleOperator user, long pid) {
        String owner = processes.info(pid).map(i -> i.owner()).orElseThrow(() -> error(Errno.ESRCH, "no process " + pid));
        if (!user.sees(owner)) {
            throw error(Errno.EPERM, "process " + pid + " is " + owner + "'s; only administrators act on other owners' processes");
        }
    }

    /** An image directory as the user typed it, relative to where Karaf runs. */
    static Path directory(String dir) {
        if (dir == null || dir.isBlank() || dir.indexOf('\0') >= 0) throw error(Errno.EINVAL, "name an image directory");
        return Path.of(dir).toAbsolutePath().normalize();
    }

    static String size(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1 << 20) return String.format("%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format("%.1f MiB", bytes / 1048576.0);
        return String.format("%.1f GiB", bytes / 1073741824.0);
    }
}
