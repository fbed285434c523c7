package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.process.ProcessManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "kill", description = "Ends processes now (kill), or asks them to end (--term, catchable).",
        detailedDescription = "Give pids, or choose processes with -o/-p/-s (e.g. agent:kill -o alice -p counter); "
                + "more than " + ProcessSelection.FORCE_ABOVE + " chosen that way need --force. "
                + "Users without the admin role may signal only their own processes (owner = user name). "
                + "In a cluster, a pid of another node is signalled on that node.")
public class KillCommand implements Action {
    @Reference
    ProcessManager processes;

    /** Another node's pid is signalled on its node (agentos-cluster installed). */
    @Reference(optional = true)
    Cluster cluster;

    @Option(name = "-t", aliases = "--term", description = "send a catchable terminate request instead of killing")
    boolean term;

    @Option(name = "-o", aliases = "--owner", description = "every live process of this owner")
    @Completion(OwnerCompleter.class)
    String owner;

    @Option(name = "-p", aliases = "--program", description = "every live process running this program")
    @Completion(ProgramCompleter.class)
    String program;

    @Option(name = "-s", aliases = "--state", description = "every live process in this state (READY, BLOCKED, PAUSED, ...)")
    @Completion(value = StringsCompleter.class, values = {"NEW", "READY", "RUNNING", "BLOCKED", "PAUSED"})
    String state;

    @Option(name = "-f", aliases = "--force", description = "act on more than " + ProcessSelection.FORCE_ABOVE
            + " processes chosen by -o/-p/-s")
    boolean force;

    @Argument(index = 0, name = "pids", multiValued = true, description = "process ids (or choose them with -o, -p, -s)")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ProcessSelection selection = ProcessSelection.of(owner, program, state);
        ProcessSelection.requireOneOf(pids, selection, "kill");
        ConsoleUser user = ConsoleUser.current();
        if (!selection.isEmpty()) {
            selection = user.restrict(selection);
            if (term) selection.apply(processes, p -> true, force, "terminate", "terminate requested for", processes::terminate, System.out);
            else selection.apply(processes, p -> true, force, "kill", "killed", processes::kill, System.out);
            return null;
        }
        if (term) ClusterPids.each(processes, cluster, user, pids, Cluster.Signal.TERMINATE, processes::terminate, "terminate requested for");
        else ClusterPids.each(processes, cluster, user, pids, Cluster.Signal.KILL, processes::kill, "killed");
        return null;
    }
}
