package org.agentos.kernel.impl.shell;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelDebugger;
import org.agentos.kernel.impl.debug.Debugger;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "trace", description = "Shows the calls a process makes as they happen, like strace: "
        + "time, call, arguments, result or errno, duration. Runs until Ctrl-C, --count calls, --seconds, or the process ends.")
public class TraceCommand implements Action {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Argument(index = 0, name = "pid", required = true, description = "process id")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "-c", aliases = "--count", description = "stop after this many calls")
    long count;

    @Option(name = "-s", aliases = "--seconds", description = "stop after this many seconds")
    long seconds;

    @Override
    public Object execute() throws Exception {
        if (count < 0 || seconds < 0) throw ConsoleErrors.of("EINVAL", "--count and --seconds must be at least 0 (0: no bound)");
        ConsoleUser.current().requireOwnerOf(processes, pid);
        BlockingQueue<Debugger.TraceEvent> calls = new ArrayBlockingQueue<>(10_000);
        AtomicLong dropped = new AtomicLong();
        AutoCloseable tracing;
        try {
            tracing = debugger.trace(pid, e -> {
                if (!calls.offer(e)) dropped.incrementAndGet(); // never hold the process up for the console
            });
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        long deadline = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        long shown = 0;
        var out = System.out;
        try {
            while ((count == 0 || shown < count) && System.nanoTime() < deadline) {
                Debugger.TraceEvent e = calls.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) {
                    ProcessInfo p = processes.info(pid).orElse(null);
                    if (p == null || p.state().isTerminal()) {
                        out.println("pid " + pid + " ended" + (p != null && p.exit() != null ? ": code " + p.exit().code()
                                + " " + p.exit().reason() : ""));
                        break;
                    }
                    continue;
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) out.println("... " + lost + " calls not shown (the console fell behind)");
                out.println(line(e));
                out.flush();
                shown++;
            }
        } catch (InterruptedException ctrlC) {
            Thread.currentThread().interrupt();
        } finally {
            tracing.close();
        }
        return null;
    }

    static String line(Debugger.TraceEvent e) {
        String args = e.args() == null || e.args().isEmpty() ? "{}" : cut(e.args().toString());
        String result = e.result().isOk() ? (e.result().value() == null ? "ok" : cut(e.result().value().toString()))
                : e.result().errno() + ": " + e.result().message();
        return TIME.format(Instant.ofEpochMilli(e.millis())) + " " + e.name() + " " + args + " = " + result
                + String.format(Locale.ROOT, " <%.3f ms>", e.nanos() / 1e6) + (e.via() == null ? "" : " via " + e.via());
    }

    private static String cut(String s) {
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}
