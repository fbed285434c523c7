package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.TreeSet;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the owners of live processes (among the lowest 10 000 pids: a completion must stay quick). */
@Service
public class OwnerCompleter implements Completer {
    @Reference
    ProcessManager processes;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> owners = new TreeSet<>();
        for (ProcessInfo p : processes.list(new ProcessQuery(ConsoleUser.current().ownerFilter(), null, false, 10_000)).processes()) owners.add(p.owner());
        StringsCompleter delegate = new StringsCompleter(owners);
        return delegate.complete(session, commandLine, candidates);
    }
}
