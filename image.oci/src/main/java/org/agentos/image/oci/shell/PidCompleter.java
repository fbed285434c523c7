package org.agentos.image.oci.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes pids of live processes the user may act on (the lowest 1000). */
@Service
public class PidCompleter implements Completer {
    @Reference
    ProcessManager processes;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        ConsoleOperator user = ConsoleOperator.current();
        StringsCompleter delegate = new StringsCompleter();
        for (ProcessInfo p : processes.list(new ProcessQuery(user.isAdmin() ? null : user.name(), null, null, false, 1000)).processes()) {
            if (p.pid() != 1) delegate.getStrings().add(Long.toString(p.pid()));
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
