package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the installed schedulers, and "auto". */
@Service
public class SchedulerCompleter implements Completer {
    @Reference
    Subsystems subsystems;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        delegate.getStrings().add(SwapCommand.AUTO);
        delegate.getStrings().addAll(SwapCommand.installed(subsystems, "scheduler"));
        return delegate.complete(session, commandLine, candidates);
    }
}
