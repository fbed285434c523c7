package org.agentos.kernel.impl.shell;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "info", description = "Shows one process: state, capabilities, quotas, usage by syscall; in a cluster, any node's.")
public class InfoCommand implements Action {
    @Reference
    ProcessManager processes;

    /** Another node's pid is asked of its node (agentos-cluster installed). */
    @Reference(optional = true)
    Cluster cluster;

    @Argument(index = 0, name = "pid", required = true, description = "process id")
    @Completion(PidCompleter.class)
    long pid;

    @Override
    public Object execute() {
        String node = ClusterPids.nodeOf(processes, cluster, pid).orElse(null);
        ProcessInfo p;
        if (node != null) {
            try {
                p = cluster.info(pid, ConsoleUser.current().operator()); // its node checks the user's right to see it
            } catch (SyscallException e) {
                throw ConsoleErrors.of(e);
            }
        } else {
            p = processes.info(pid).orElseThrow(() -> ConsoleErrors.of("ESRCH", "no process " + pid + movedTo()));
            ConsoleUser.current().requireOwnerOf(processes, pid); // capabilities and usage are the owner's to see
        }
        Quotas q = p.quotas();
        var out = System.out;
        out.println("pid          " + p.pid());
        if (node != null) out.println("node         " + node);
        out.println("ppid         " + p.ppid());
        out.println("owner        " + p.owner());
        out.println("program      " + p.program());
        out.println("state        " + p.state() + (p.pausePending() ? " (pause pending)" : ""));
        if (p.waitingOn() != null) out.println("waiting on   " + p.waitingOn());
        if (p.exit() != null) out.println("exit         code " + p.exit().code() + ": " + p.exit().reason());
        if (p.state().isTerminal() && cluster != null) cluster.relocated(pid).ifPresent(to -> out.println("moved to     node " + to));
        out.println("class        " + p.schedClass().label());
        out.println("nice         " + p.nice());
        out.println("capabilities " + (p.capabilities().isEmpty() ? "(none)" : String.join(" ", p.capabilities())));
        out.println("quotas       cpu " + limit(q.cpuNanos(), 1e6, "ms") + ", wall " + limit(q.wallMillis(), 1, "ms")
                + ", syscalls " + limit(q.syscalls(), 1, "") + ", bytes " + limit(q.bytes(), 1, "")
                + ", tokens " + limit(q.tokens(), 1, ""));
        out.println("usage        cpu " + String.format(Locale.ROOT, "%.2f ms", p.usage().cpuNanos() / 1e6)
                + ", wall " + p.usage().wallMillis() + " ms, steps " + p.usage().steps() + ", syscalls "
                + p.usage().syscalls() + ", bytes " + p.usage().bytes() + ", tokens " + p.usage().tokens());
        Map<String, Long> byName = new TreeMap<>(p.usage().syscallsByName());
        long turns = byName.entrySet().stream().filter(e -> e.getKey().startsWith("llm.")).mapToLong(Map.Entry::getValue).sum();
        if (turns > 0) out.println("model        " + turns + " turns (llm.* calls), " + p.usage().tokens() + " tokens");
        byName.forEach((name, n) -> out.println("  " + name + " " + n));
        if (!p.children().isEmpty()) out.println("children     " + p.children());
        return null;
    }

    /** ": it runs on node X as pid Y now", when it was moved or taken over in a cluster. */
    private String movedTo() {
        return cluster == null ? "" : cluster.relocated(pid).map(to -> " here: it runs on node " + to + " now").orElse("");
    }

    private static String limit(long v, double unit, String suffix) {
        if (v == Quotas.UNLIMITED) return "unlimited";
        return (unit == 1 ? Long.toString(v) : String.format(Locale.ROOT, "%.1f", v / unit)) + (suffix.isEmpty() ? "" : " " + suffix);
    }
}
