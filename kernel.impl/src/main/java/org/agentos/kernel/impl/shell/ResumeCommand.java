package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "resume", description = "Makes paused processes runnable again.",
        detailedDescription = "Give pids, or choose processes with -o/-p (e.g. agent:resume -o alice): of those, the paused "
                + "ones (and those with a pause pending) are resumed; more than " + ProcessSelection.FORCE_ABOVE
                + " need --force. Users without the admin role may resume only their own processes.")
public class ResumeCommand implements Action {
    @Reference
    ProcessManager processes;

    /** Another node's pid is resumed on its node (agentos-cluster installed). */
    @Reference(optional = true)
    Cluster cluster;

    @Option(name = "-o", aliases = "--owner", description = "the paused processes of this owner")
    @Completion(OwnerCompleter.class)
    String owner;

    @Option(name = "-p", aliases = "--program", description = "the paused processes running this program")
    @Completion(ProgramCompleter.class)
    String program;

    @Option(name = "-f", aliases = "--force", description = "act on more than " + ProcessSelection.FORCE_ABOVE
            + " processes chosen by -o/-p")
    boolean force;

    @Argument(index = 0, name = "pids", multiValued = true, description = "process ids (or choose them with -o, -p)")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ConsoleUser user = ConsoleUser.current();
        ProcessSelection selection = ProcessSelection.of(owner, program, null);
        ProcessSelection.requireOneOf(pids, selection, "resume");
        if (selection.isEmpty()) {
            ClusterPids.each(processes, cluster, user, pids, Cluster.Signal.RESUME, processes::resume, "resumed");
        } else {
            selection = user.restrict(selection);
            selection.apply(processes, p -> p.state() == ProcessState.PAUSED || p.pausePending(), force, "resume", "resumed",
                    processes::resume, System.out);
        }
        return null;
    }
}
