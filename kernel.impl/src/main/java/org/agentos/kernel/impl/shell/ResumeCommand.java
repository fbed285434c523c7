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
@Command(scope = "agent", name = "resume", description = "Makes paused processes runnable again.",
        detailedDescription = "Users without the admin role may resume only their own processes (owner = user name).")
public class ResumeCommand implements Action {
    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "pids", required = true, multiValued = true, description = "process ids")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ConsoleUser.current().requireOwnerOf(processes, pids);
        Pids.each(pids, pid -> processes.resume(pid), "resumed");
        return null;
    }
}
