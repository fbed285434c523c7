package org.agentos.kernel.impl.shell;

import java.util.Locale;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
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
                + "owner and program), with the same filters -o, -p, -s, -a.")
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

    @Override
    public Object execute() {
        // users without the admin role see their own processes only, as they act on their own only
        ProcessSelection selection = ConsoleUser.current().restrict(ProcessSelection.of(owner, program, state));
        if (limit <= 0) throw ConsoleErrors.of("EINVAL", "--limit must be positive");
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
}
