package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes pids of live processes (the first 1000 by pid). */
@Service
public class PidCompleter implements Completer {
    @Reference
    ProcessManager processes;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        for (ProcessInfo p : processes.list(1000)) {
            if (!p.state().isTerminal() && p.pid() != ProcessManager.INIT_PID) {
                delegate.getStrings().add(Long.toString(p.pid()));
            }
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
