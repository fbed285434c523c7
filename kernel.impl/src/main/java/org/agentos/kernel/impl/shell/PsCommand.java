package org.agentos.kernel.impl.shell;

import java.util.Locale;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "ps", description = "Lists processes: the process table.")
public class PsCommand implements Action {
    @Reference
    ProcessManager processes;

    @Option(name = "-a", aliases = "--all", description = "include ended processes (zombies) and init")
    boolean all;

    @Option(name = "-o", aliases = "--owner", description = "only this owner's processes")
    String owner;

    @Option(name = "-s", aliases = "--state", description = "only processes in this state (READY, BLOCKED, PAUSED, ...)")
    String state;

    @Option(name = "-n", aliases = "--limit", description = "show at most this many rows (default 200)")
    int limit = 200;

    @Override
    public Object execute() {
        ProcessState only = null;
        if (state != null) {
            try {
                only = ProcessState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ConsoleErrors.of("EINVAL", "unknown state '" + state + "'; states: NEW READY RUNNING BLOCKED PAUSED EXITED KILLED");
            }
        }
        if (limit <= 0) throw ConsoleErrors.of("EINVAL", "--limit must be positive");
        TextTable t = new TextTable("PID", "PPID", "OWNER", "PROGRAM", "STATE", "CLASS", "NI", "STEPS", "SYSCALLS", "CPU(ms)", "WAITING ON");
        ProcessListing page = processes.list(new ProcessQuery(owner, only, all, limit));
        for (ProcessInfo p : page.processes()) {
            String st = p.state().name() + (p.pausePending() ? "(pausing)" : "");
            t.row(p.pid(), p.ppid(), p.owner(), p.program(), st, p.schedClass().label(), p.nice(), p.usage().steps(), p.usage().syscalls(),
                    String.format(Locale.ROOT, "%.1f", p.usage().cpuNanos() / 1e6),
                    p.exit() != null ? "exit " + p.exit().code() : p.waitingOn());
        }
        t.print(System.out);
        if (page.matching() > t.size()) System.out.println("... " + (page.matching() - t.size()) + " more (use --limit)");
        return null;
    }
}
