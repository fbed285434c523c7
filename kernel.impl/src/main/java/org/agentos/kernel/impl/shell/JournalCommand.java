package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelJournal;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "journal", description = "Shows a process's call journal: its start, each call it made "
        + "with the result it was given (what a recovery gives back and a replay runs against), its exit.")
public class JournalCommand implements Action {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    ProcessManager processes;

    @Reference
    KernelJournal journal;

    @Argument(index = 0, name = "pid", required = true, description = "process id (live, or ended within journalRetentionHours)")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "--json", description = "one JSON object per record (JSON lines), for export")
    boolean json;

    @Option(name = "-n", aliases = "--tail", description = "only the last N calls")
    int tail;

    @Override
    public Object execute() throws Exception {
        if (tail < 0) throw ConsoleErrors.of("EINVAL", "-n must be at least 0 (0: every call)");
        ConsoleUser.current().requireOwnerOf(processes, pid);
        List<JournalRecord> records;
        try {
            records = journal.records(pid);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        if (records.isEmpty()) {
            throw ConsoleErrors.of("ENOENT", "the call journal holds nothing of pid " + pid
                    + " (it made no journaled call yet, or ended longer ago than journalRetentionHours)");
        }
        long calls = records.stream().filter(r -> r.kind() == JournalRecord.RESULT).count();
        long skip = tail > 0 ? Math.max(0, calls - tail) : 0;
        var out = System.out;
        if (json) {
            long seen = 0;
            for (JournalRecord r : records) {
                if (r.kind() == JournalRecord.RESULT && seen++ < skip) continue;
                out.println(JSON.writeValueAsString(toJson(r)));
            }
            return null;
        }
        TextTable table = new TextTable("SEQ", "TIME", "CALL", "ARGS", "RESULT");
        long seen = 0;
        for (JournalRecord r : records) {
            switch (r.kind()) {
                case JournalRecord.START -> out.println("pid " + r.pid() + ": " + r.name() + " of " + r.owner() + ", started "
                        + Instant.ofEpochMilli(r.millis()) + "; " + calls + " calls journaled");
                case JournalRecord.SNAPSHOT -> out.println("pid " + r.pid() + ": " + r.name() + " of " + r.owner()
                        + ", a snapshot after call " + r.seq() + " (older calls compacted away; lock results kept)");
                case JournalRecord.RESULT -> {
                    if (seen++ < skip) continue;
                    table.row(Long.toString(r.seq()), TIME.format(Instant.ofEpochMilli(r.millis())), r.name(),
                            text(r.json()), r.errno() == null ? text(r.result()) : r.errno() + ": " + r.message());
                }
                default -> { }
            }
        }
        table.print(out);
        JournalRecord last = records.get(records.size() - 1);
        if (last.kind() == JournalRecord.EXIT) out.println("exited " + Instant.ofEpochMilli(last.millis()));
        return null;
    }

    private static ObjectNode toJson(JournalRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", switch (r.kind()) {
            case JournalRecord.START -> "start";
            case JournalRecord.RESULT -> "result";
            case JournalRecord.SNAPSHOT -> "snapshot";
            default -> "exit";
        });
        o.put("pid", r.pid());
        o.put("millis", r.millis());
        if (r.kind() == JournalRecord.START) {
            o.put("program", r.name()).put("owner", r.owner()).set("state", r.json());
        } else if (r.kind() == JournalRecord.SNAPSHOT) {
            o.put("seq", r.seq()).put("program", r.name()).put("owner", r.owner()).set("snapshot", r.json());
        } else if (r.kind() == JournalRecord.RESULT) {
            o.put("seq", r.seq()).put("call", r.name());
            if (r.json() != null) o.set("args", r.json());
            if (r.errno() == null) {
                o.set("result", r.result());
            } else {
                o.put("errno", r.errno().name()).put("message", r.message());
            }
            if (r.tokens() != 0) o.put("tokens", r.tokens());
            if (r.bytes() != 0) o.put("bytes", r.bytes());
        }
        return o;
    }

    /** JSON on one line, cut at 60 characters for the table. */
    private static String text(JsonNode n) {
        if (n == null) return "";
        String s = n.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
