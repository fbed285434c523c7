package org.agentos.vfs.versioned.shell;

import java.util.List;
import java.util.Locale;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "vfs", name = "log", description = "The audit trail of a file (every version: who, when, which syscall), "
        + "or with -p every version a process made.")
public class LogCommand implements Action {
    @Reference
    FileSystem fs;

    @Argument(index = 0, name = "path", description = "file (not with -p)")
    @Completion(PathCompleter.class)
    String path;

    @Option(name = "-p", aliases = "--pid", description = "the versions this process made")
    long pid;

    @Option(name = "-n", aliases = "--limit", description = "at most this many (default 100)")
    int limit = 100;

    @Override
    public Object execute() {
        try {
            List<FileInfo> versions;
            if (pid > 0) {
                versions = fs.changesBy(Console.operator("vfs:log"), pid, limit);
            } else if (path == null) {
                throw new SyscallException(Errno.EINVAL, "give a path, or -p <pid>");
            } else {
                versions = fs.history(Console.operator("vfs:log"), path);
                if (versions.size() > limit) versions = versions.subList(versions.size() - limit, versions.size());
            }
            System.out.println(String.format(Locale.ROOT, "%-7s %-19s  %-7s %-10s %-10s %-28s %10s  %s", "VERSION", "TIME", "PID",
                    "OWNER", "SYSCALL", "BUNDLE", "SIZE", pid > 0 ? "PATH" : "NOTE"));
            for (FileInfo f : versions) {
                String note = f.deleted() ? "deleted" : f.restoredFrom() > 0 ? "restored from v" + f.restoredFrom() : "";
                System.out.println(String.format(Locale.ROOT, "%-7s %-19s  %-7d %-10s %-10s %-28s %10s  %s", "v" + f.version(),
                        Console.time(f.timeMillis()), f.pid(), f.owner(), f.syscall(), f.bundle(), f.deleted() ? "-" : f.size(),
                        pid > 0 ? f.path() + (note.isEmpty() ? "" : " (" + note + ")") : note));
            }
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
