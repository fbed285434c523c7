package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the syscalls in the table. */
@Service
public class ToolCompleter implements Completer {
    @Reference
    SyscallGateway gateway;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        for (ToolDescriptor d : gateway.tools()) delegate.getStrings().add(d.name());
        return delegate.complete(session, commandLine, candidates);
    }
}
