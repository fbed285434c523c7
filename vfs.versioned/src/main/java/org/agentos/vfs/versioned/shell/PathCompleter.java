package org.agentos.vfs.versioned.shell;

import java.util.List;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes filesystem paths one directory at a time, as a shell does. */
@Service
public class PathCompleter implements Completer {
    @Reference
    FileSystem fs;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String typed = commandLine.getCursorArgument() == null ? "" : commandLine.getCursorArgument()
                .substring(0, commandLine.getArgumentPosition());
        String dir = typed.isEmpty() || !typed.contains("/") ? "/" : typed.substring(0, typed.lastIndexOf('/') + 1);
        StringsCompleter names = new StringsCompleter();
        try {
            for (FileInfo f : fs.list(Console.operator("complete"), dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir)) {
                names.getStrings().add(f.path() + (f.isDirectory() ? "/" : ""));
            }
        } catch (SyscallException e) {
            return -1;
        }
        return names.complete(session, commandLine, candidates);
    }
}
