package org.agentos.vfs.versioned.shell;

import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "vfs", name = "diff", description = "Unified diff between two versions of a text file.")
public class DiffCommand implements Action {
    @Reference
    FileSystem fs;

    @Argument(index = 0, name = "path", required = true, description = "file")
    @Completion(PathCompleter.class)
    String path;

    @Argument(index = 1, name = "from", required = true, description = "older version")
    long from;

    @Argument(index = 2, name = "to", description = "newer version (default: the latest)")
    long to;

    @Override
    public Object execute() {
        try {
            String d = fs.diff(Console.operator("vfs:diff"), path, from, to);
            System.out.print(d.isEmpty() ? "(no difference)\n" : d);
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
