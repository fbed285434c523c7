package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "pause", description = "Holds processes at their next syscall boundary.",
        detailedDescription = "Users without the admin role may pause only their own processes (owner = user name).")
public class PauseCommand implements Action {
    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "pids", required = true, multiValued = true, description = "process ids")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ConsoleUser.current().requireOwnerOf(processes, pids);
        Pids.each(pids, pid -> processes.pause(pid), "paused");
        return null;
    }
}
