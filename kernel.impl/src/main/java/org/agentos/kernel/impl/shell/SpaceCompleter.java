package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of memory spaces. */
@Service
public class SpaceCompleter implements Completer {
    @Reference
    KernelMemory memory;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        try {
            ConsoleUser user = ConsoleUser.current(); // users without the admin role are offered only their own
            for (SpaceInfo s : memory.bound().spaces()) {
                if (user.sees(s.owner())) delegate.getStrings().add(s.name());
            }
        } catch (SyscallException none) {
            return -1; // no memory manager: nothing to complete
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
