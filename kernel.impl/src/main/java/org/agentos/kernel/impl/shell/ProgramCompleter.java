package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProgramInfo;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of installed programs. */
@Service
public class ProgramCompleter implements Completer {
    @Reference
    ProcessManager processes;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        for (ProgramInfo p : processes.programs()) delegate.getStrings().add(p.name());
        return delegate.complete(session, commandLine, candidates);
    }
}
