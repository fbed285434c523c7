package org.agentos.vfs.versioned.shell;

import java.util.Locale;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "vfs", name = "ls", description = "Lists a directory of the agent filesystem: latest version, size, who wrote it.")
public class LsCommand implements Action {
    @Reference
    FileSystem fs;

    @Argument(index = 0, name = "path", description = "directory (default /)")
    @Completion(PathCompleter.class)
    String path = "/";

    @Override
    public Object execute() {
        try {
            FileInfo self = fs.stat(Console.operator("vfs:ls"), path);
            java.util.List<FileInfo> entries = self.isDirectory() ? fs.list(Console.operator("vfs:ls"), path) : java.util.List.of(self);
            System.out.println(String.format(Locale.ROOT, "%-7s %10s  %-19s  %-7s %-10s %s", "VERSION", "SIZE", "MODIFIED", "PID", "OWNER", "NAME"));
            for (FileInfo f : entries) {
                String name = f.path().substring(f.path().lastIndexOf('/') + 1) + (f.isDirectory() ? "/" : "");
                if (f.isDirectory()) {
                    System.out.println(String.format(Locale.ROOT, "%-7s %10s  %-19s  %-7s %-10s %s", "-", "-", "-", "-", "-", name));
                } else {
                    System.out.println(String.format(Locale.ROOT, "%-7s %10d  %-19s  %-7d %-10s %s", f.version() == 0 ? "-" : "v" + f.version(),
                            f.size(), Console.time(f.timeMillis()), f.pid(), f.owner(), name));
                }
            }
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
