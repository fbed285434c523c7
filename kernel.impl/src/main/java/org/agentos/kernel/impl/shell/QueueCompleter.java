package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of queues and mailboxes. */
@Service
public class QueueCompleter implements Completer {
    @Reference
    MessageQueues queues;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        ConsoleUser user = ConsoleUser.current(); // users without the admin role are offered only their own
        for (QueueStats q : queues.queues()) {
            if (user.sees(q.owner())) delegate.getStrings().add(q.name());
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
