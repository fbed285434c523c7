package org.agentos.vfs.versioned.shell;

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
@Command(scope = "vfs", name = "restore", description = "Makes an old version of a file the latest again (as a new version: nothing is lost).")
public class RestoreCommand implements Action {
    @Reference
    FileSystem fs;

    @Argument(index = 0, name = "path", required = true, description = "file")
    @Completion(PathCompleter.class)
    String path;

    @Argument(index = 1, name = "version", required = true, description = "the version to bring back")
    long version;

    @Override
    public Object execute() {
        try {
            FileInfo f = fs.restore(Console.operator("vfs:restore"), path, version);
            System.out.println(f.path() + ": v" + version + " restored as v" + f.version());
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
