package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the installed implementations of the subsystem named before it (scheduler, hal, memory), and "auto". */
@Service
public class ImplementationCompleter implements Completer {
    @Reference
    Subsystems subsystems;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        delegate.getStrings().add(org.agentos.kernel.impl.SubsystemChoice.AUTO);
        String[] words = commandLine.getArguments();
        String subsystem = "scheduler";
        for (int i = 0; i < commandLine.getCursorArgumentIndex() && i < words.length; i++) {
            if (words[i].equals("hal") || words[i].equals("scheduler") || words[i].equals("memory")) subsystem = words[i];
        }
        delegate.getStrings().addAll(org.agentos.kernel.impl.SubsystemChoice.installed(subsystems, subsystem));
        return delegate.complete(session, commandLine, candidates);
    }
}
