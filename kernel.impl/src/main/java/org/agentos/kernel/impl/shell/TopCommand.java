package org.agentos.kernel.impl.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.impl.KernelDebugger;
import org.agentos.kernel.impl.KernelMemory;
import org.agentos.kernel.impl.debug.Top;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "top", description = "Processes ordered by CPU, syscalls/s, tokens/s or memory, under a "
        + "header with the system's load; refreshes until Ctrl-C, or -n times (-n 1 once, for scripts).")
public class TopCommand implements Action {
    @Reference
    KernelDebugger debugger;

    @Reference
    KernelMemory memory;

    @Reference
    Session session;

    @Option(name = "-n", aliases = "--iterations", description = "refresh this many times, then stop (0: until Ctrl-C)")
    int iterations;

    @Option(name = "-d", aliases = "--delay", description = "seconds between refreshes, over which rates are measured (default 1)")
    double delay = 1;

    @Option(name = "-s", aliases = "--sort", description = "cpu (default), syscalls, tokens or memory")
    @Completion(value = StringsCompleter.class, values = {"cpu", "syscalls", "tokens", "memory"})
    String sort = "cpu";

    @Option(name = "-m", aliases = "--max", description = "rows shown (default 20)")
    int max = 20;

    @Option(name = "-o", aliases = "--owner", description = "only this owner's processes")
    @Completion(OwnerCompleter.class)
    String owner;

    @Override
    public Object execute() throws Exception {
        if (!List.of("cpu", "syscalls", "tokens", "memory").contains(sort)) {
            throw ConsoleErrors.of("EINVAL", "-s takes cpu, syscalls, tokens or memory, not '" + sort + "'");
        }
        if (delay < 0.1 || delay > 3600) throw ConsoleErrors.of("EINVAL", "-d must be between 0.1 and 3600 seconds");
        if (max < 1 || iterations < 0) throw ConsoleErrors.of("EINVAL", "-m must be at least 1, -n at least 0");
        ConsoleUser user = ConsoleUser.current();
        String only = user.isAdmin() ? owner : user.name(); // others see their own processes only
        boolean refresh = iterations != 1 && session != null && session.getTerminal() != null
                && !"dumb".equals(session.getTerminal().getType());
        Top.Sample before = debugger.top();
        try {
            for (int i = 0; iterations == 0 || i < iterations; i++) {
                Thread.sleep((long) (delay * 1000));
                Top.Sample now = debugger.top();
                PrintStream out = System.out;
                if (refresh) out.print("\u001B[H\u001B[2J");
                print(out, before, now, only);
                out.flush();
                before = now;
            }
        } catch (InterruptedException ctrlC) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private void print(PrintStream out, Top.Sample a, Top.Sample b, String only) {
        double secs = Math.max(1e-9, (b.nanos() - a.nanos()) / 1e9);
        Map<Long, Top.Row> was = new HashMap<>();
        for (Top.Row r : a.rows()) was.put(r.pid(), r);
        Map<String, Long> bytes = new HashMap<>();
        try {
            for (SpaceInfo s : memory.bound().spaces()) if (s.kind() == SpaceKind.USER) bytes.put(s.name(), s.bytes());
        } catch (org.agentos.kernel.api.syscall.SyscallException noManager) {
            // no memory manager bound: the memory column stays 0
        }
        long steps = 0;
        long calls = 0;
        List<double[]> rows = new ArrayList<>();
        List<Top.Row> ofRow = new ArrayList<>();
        for (Top.Row r : b.rows()) {
            Top.Row o = was.get(r.pid());
            long dCpu = r.cpuNanos() - (o == null ? 0 : o.cpuNanos());
            long dCalls = r.syscalls() - (o == null ? 0 : o.syscalls());
            long dTokens = r.tokens() - (o == null ? 0 : o.tokens());
            steps += r.steps() - (o == null ? 0 : o.steps());
            calls += dCalls;
            if (only != null && !only.equals(r.owner())) continue;
            rows.add(new double[] {dCpu / 1e9 / secs * 100, dCalls / secs, dTokens / secs,
                    bytes.getOrDefault(SpaceKind.userSpace(r.pid()), 0L)});
            ofRow.add(r);
        }
        int key = switch (sort) {
            case "syscalls" -> 1;
            case "tokens" -> 2;
            case "memory" -> 3;
            default -> 0;
        };
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -rows.get(i)[key]).thenComparingLong(i -> ofRow.get(i).pid()));
        out.printf(Locale.ROOT, "agent:top  %d processes: %d runnable, %d blocked | workers %d/%d busy | memory %s%n",
                b.rows().size(), b.runnable(), b.blocked(), b.busy(), b.workers(), b.memory());
        out.printf(Locale.ROOT, "steps/s %.0f  syscalls/s %.0f  (over %.1f s)%n", steps / secs, calls / secs, secs);
        for (String g : b.gates()) out.println("llm   " + g);
        TextTable t = new TextTable("PID", "OWNER", "PROGRAM", "STATE", "CPU%", "SYSCALLS/S", "TOKENS/S", "MEMORY");
        for (int n = 0; n < Math.min(max, order.size()); n++) {
            int i = order.get(n);
            Top.Row r = ofRow.get(i);
            double[] v = rows.get(i);
            t.row(r.pid(), r.owner(), r.program(), r.state(), String.format(Locale.ROOT, "%.1f", v[0]),
                    String.format(Locale.ROOT, "%.0f", v[1]), String.format(Locale.ROOT, "%.0f", v[2]), human((long) v[3]));
        }
        t.print(out);
    }

    private static String human(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }
}
