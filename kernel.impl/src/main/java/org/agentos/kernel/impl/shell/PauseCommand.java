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
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "pause", description = "Holds processes at their next syscall boundary.",
        detailedDescription = "Give pids, or choose processes with -o/-p/-s (e.g. agent:pause -p asker); processes already "
                + "paused are left alone; more than " + ProcessSelection.FORCE_ABOVE + " chosen that way need --force. Users without the admin role may pause only their own processes.")
public class PauseCommand implements Action {
    @Reference
    ProcessManager processes;

    /** Another node's pid is paused on its node (agentos-cluster installed). */
    @Reference(optional = true)
    Cluster cluster;

    @Option(name = "-o", aliases = "--owner", description = "every live process of this owner")
    @Completion(OwnerCompleter.class)
    String owner;

    @Option(name = "-p", aliases = "--program", description = "every live process running this program")
    @Completion(ProgramCompleter.class)
    String program;

    @Option(name = "-s", aliases = "--state", description = "every live process in this state (READY, BLOCKED, ...)")
    @Completion(value = StringsCompleter.class, values = {"NEW", "READY", "RUNNING", "BLOCKED"})
    String state;

    @Option(name = "-f", aliases = "--force", description = "act on more than " + ProcessSelection.FORCE_ABOVE
            + " processes chosen by -o/-p/-s")
    boolean force;

    @Argument(index = 0, name = "pids", multiValued = true, description = "process ids (or choose them with -o, -p, -s)")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Override
    public Object execute() {
        ConsoleUser user = ConsoleUser.current();
        ProcessSelection selection = ProcessSelection.of(owner, program, state);
        ProcessSelection.requireOneOf(pids, selection, "pause");
        if (selection.isEmpty()) {
            ClusterPids.each(processes, cluster, user, pids, Cluster.Signal.PAUSE, processes::pause, "paused");
        } else {
            selection = user.restrict(selection);
            selection.apply(processes, p -> p.state() != ProcessState.PAUSED && !p.pausePending(), force, "pause", "paused",
                    processes::pause, System.out);
        }
        return null;
    }
}
