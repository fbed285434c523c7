package org.agentos.kernel.impl.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "kernel", name = "audit", description = "Shows the newest audit records: syscalls and lifecycle events (kernel:subsystems says how far back they go).")
public class AuditCommand implements Action {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Reference
    AuditLog audit;

    @Reference
    ProcessManager processes;

    @Option(name = "-n", aliases = {"--limit", "--lines"}, description = "how many records (default 20)")
    int lines = 20;

    @Option(name = "-p", aliases = "--pid", description = "only this process's records")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "--name", description = "only records whose name starts with this (e.g. proc.spawn, kill)")
    String name;

    @Option(name = "--outcome", description = "only records with this outcome (ok, EPERM, EQUOTA, ...)")
    String outcome;

    @Option(name = "--json", description = "print the records as stored, one JSON object per line")
    boolean json;

    @Override
    public Object execute() throws Exception {
        if (lines <= 0) throw ConsoleErrors.of("EINVAL", "--lines must be positive");
        if (pid < 0) throw ConsoleErrors.of("EINVAL", "--pid must not be negative");
        ConsoleUser user = ConsoleUser.current();
        if (!user.isAdmin()) {
            // records carry arguments and results: a user reads those of their own processes only
            if (pid == 0) throw ConsoleErrors.of("EPERM", "only administrators read every process's records; name one of yours with -p <pid>");
            user.requireOwnerOf(processes, pid);
        }
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (AuditRecord r : audit.read(new AuditQuery(pid, name, outcome, lines))) {
            if (json) {
                System.out.println(mapper.writeValueAsString(r));
                continue;
            }
            StringBuilder b = new StringBuilder();
            b.append(TIME.format(Instant.ofEpochMilli(r.time()))).append(' ').append('#').append(r.seq()).append(' ')
                    .append(r.kind()).append(" pid=").append(r.pid()).append(' ').append(r.name()).append(' ')
                    .append(r.outcome());
            if (AuditRecord.SYSCALL.equals(r.kind())) b.append(' ').append(r.nanos() / 1000).append("us");
            if (r.args() != null) b.append(" args=").append(r.args());
            if (r.result() != null) b.append(" result=").append(r.result());
            if (r.detail() != null) b.append(" -- ").append(r.detail());
            System.out.println(b);
        }
        return null;
    }
}
