package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the scopes of the console's commands (agent, kernel, bundle, ...), for kernel:commands. */
@Service
public class ScopeCompleter implements Completer {
    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> scopes = new TreeSet<>();
        for (Command c : session.getRegistry().getCommands()) {
            if (!"*".equals(c.getScope())) scopes.add(c.getScope());
        }
        return new StringsCompleter(scopes).complete(session, commandLine, candidates);
    }
}
