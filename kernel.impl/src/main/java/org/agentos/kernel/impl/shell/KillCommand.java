package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "kill", description = "Ends processes now (kill), or asks them to end (--term, catchable).",
        detailedDescription = "Users without the admin role may signal only their own processes (owner = user name).")
public class KillCommand implements Action {
    @Reference
    ProcessManager processes;

    @Option(name = "-t", aliases = "--term", description = "send a catchable terminate request instead of killing")
    boolean term;

    @Argument(index = 0, name = "pids", required = true, multiValued = true, description = "process ids")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ConsoleUser.current().requireOwnerOf(processes, pids);
        if (term) Pids.each(pids, pid -> processes.terminate(pid), "terminate requested for");
        else Pids.each(pids, pid -> processes.kill(pid), "killed");
        return null;
    }
}
