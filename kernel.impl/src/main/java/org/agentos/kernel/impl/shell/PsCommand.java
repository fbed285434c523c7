package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.Locale;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.ClusterListing;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "ps", description = "Lists processes: the process table.",
        detailedDescription = "With many processes: agent:ps --count (how many match) or --summary (how many by state, "
                + "owner and program), with the same filters -o, -p, -s, -a. In a cluster, --cluster lists every node's.")
public class PsCommand implements Action {
    @Reference
    ProcessManager processes;

    @Option(name = "-a", aliases = "--all", description = "include ended processes (zombies) and init")
    boolean all;

    @Option(name = "-o", aliases = "--owner", description = "only this owner's processes")
    @Completion(OwnerCompleter.class)
    String owner;

    @Option(name = "-p", aliases = "--program", description = "only processes running this program")
    @Completion(ProgramCompleter.class)
    String program;

    @Option(name = "-s", aliases = "--state", description = "only processes in this state (READY, BLOCKED, PAUSED, ...)")
    @Completion(value = StringsCompleter.class, values = {"NEW", "READY", "RUNNING", "BLOCKED", "PAUSED", "EXITED", "KILLED"})
    String state;

    @Option(name = "-n", aliases = "--limit", description = "show at most this many rows (default 200)")
    int limit = 200;

    @Option(name = "-c", aliases = "--count", description = "print only how many processes match")
    boolean count;

    @Option(name = "--summary", description = "print how many processes match, by state, owner and program")
    boolean summary;

    @Option(name = "-C", aliases = "--cluster", description = "every node's processes (agentos-cluster), with a NODE column; "
            + "--limit rows per node")
    boolean everywhere;

    @Reference(optional = true)
    Cluster cluster;

    @Override
    public Object execute() {
        // users without the admin role see their own processes only, as they act on their own only
        ProcessSelection selection = ConsoleUser.current().restrict(ProcessSelection.of(owner, program, state));
        if (limit <= 0) throw ConsoleErrors.of("EINVAL", "--limit must be positive");
        if (everywhere) {
            clusterWide(selection);
            return null;
        }
        if (count) {
            // a page of one row: the kernel counts every match without materialising them
            System.out.println(processes.list(selection.query(all, 1)).matching());
            return null;
        }
        if (summary) {
            ProcessSummary.of(processes.list(selection.query(all, Integer.MAX_VALUE)).processes())
                    .print(System.out, selection.describe());
            return null;
        }
        TextTable t = new TextTable("PID", "PPID", "OWNER", "PROGRAM", "STATE", "CLASS", "NI", "STEPS", "SYSCALLS", "CPU(ms)", "WAITING ON");
        ProcessListing page = processes.list(selection.query(all, limit));
        for (ProcessInfo p : page.processes()) {
            String st = p.state().name() + (p.pausePending() ? "(pausing)" : "");
            t.row(p.pid(), p.ppid(), p.owner(), p.program(), st, p.schedClass().label(), p.nice(), p.usage().steps(), p.usage().syscalls(),
                    String.format(Locale.ROOT, "%.1f", p.usage().cpuNanos() / 1e6),
                    p.exit() != null ? "exit " + p.exit().code() : p.waitingOn());
        }
        t.print(System.out);
        if (page.matching() > t.size()) System.out.println("... " + (page.matching() - t.size()) + " more (use --limit, or --summary)");
        return null;
    }

    /** The same filters on every node; each node checks what the user may see there. */
    private void clusterWide(ProcessSelection selection) {
        if (cluster == null) throw ConsoleErrors.of("EINVAL", "this installation is not a cluster node (feature:install agentos-cluster)");
        if (summary) throw ConsoleErrors.of("EINVAL", "--summary is this node's only; with --cluster use --count or the table");
        List<ClusterListing> nodes;
        try {
            nodes = cluster.list(selection.query(all, count ? 1 : limit), ConsoleUser.current().operator());
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        long matching = 0;
        for (ClusterListing n : nodes) matching += n.listing() == null ? 0 : n.listing().matching();
        if (count) {
            System.out.println(matching);
        } else {
            TextTable t = new TextTable("NODE", "PID", "PPID", "OWNER", "PROGRAM", "STATE", "CLASS", "NI", "STEPS", "SYSCALLS", "CPU(ms)",
                    "WAITING ON");
            for (ClusterListing n : nodes) {
                if (n.listing() == null) continue;
                for (ProcessInfo p : n.listing().processes()) {
                    t.row(n.node(), p.pid(), p.ppid(), p.owner(), p.program(), p.state().name() + (p.pausePending() ? "(pausing)" : ""),
                            p.schedClass().label(), p.nice(), p.usage().steps(), p.usage().syscalls(),
                            String.format(Locale.ROOT, "%.1f", p.usage().cpuNanos() / 1e6), p.exit() != null ? "exit " + p.exit().code() : p.waitingOn());
                }
            }
            t.print(System.out);
            if (matching > t.size()) System.out.println("... " + (matching - t.size()) + " more (use --limit)");
        }
        for (ClusterListing n : nodes) {
            if (n.error() != null) System.out.println("node " + n.node() + " did not answer: " + n.error());
        }
    }
}
