package org.agentos.console.web.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.process.ProcessCursor;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessOrder;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The process table as the web view pages it (server-side: one pass over the table a page,
 * however deep), one process's page, and what an administrator does to a process.
 */
public final class ProcessesApi {
    /** Rows a page holds at most. */
    static final int MAX_PAGE = 500;

    private final ObjectMapper json;
    private final ProcessManager processes;
    private final AuditLog audit;
    private final MessageQueues queues;
    private final Supplier<FileSystem> files;
    private final Supplier<MemoryManager> memory;

    public ProcessesApi(ObjectMapper json, ProcessManager processes, AuditLog audit, MessageQueues queues,
                        Supplier<FileSystem> files, Supplier<MemoryManager> memory) {
        this.json = json;
        this.processes = processes;
        this.audit = audit;
        this.queues = queues;
        this.files = files;
        this.memory = memory;
    }

    /**
     * A page: {@code owner}, {@code program}, {@code state} filter; {@code sort} and {@code desc}
     * order; {@code after} / {@code before} a cursor of the previous page; {@code last} the last page.
     */
    public ObjectNode list(Params p, Caller caller) throws ApiException {
        String owner = p.text("owner", 64);
        if (!caller.admin()) {
            if (owner != null && !owner.equals(caller.user())) throw caller.notYours("the processes of " + owner + " are");
            owner = caller.user();
        }
        ProcessOrder order = p.choice("sort", ProcessOrder.class, ProcessOrder.PID);
        ProcessState state = p.choice("state", ProcessState.class, null);
        int limit = (int) p.number("limit", 50, 1, MAX_PAGE);
        boolean ended = p.flag("ended");
        ProcessQuery q = new ProcessQuery(owner, p.text("program", 128), state, ended || state != null && state.isTerminal(),
                limit).sorted(order, p.flag("desc"));
        String after = p.text("after", 512);
        String before = p.text("before", 512);
        if (after != null && before != null) throw ApiException.invalid("give after or before, not both");
        if (after != null) q = q.from(Cursors.decode(after, order), false);
        else if (before != null) q = q.from(Cursors.decode(before, order), true);
        else if (p.flag("last")) q = q.from(null, true);
        ProcessListing page = processes.list(q);
        ObjectNode out = json.createObjectNode().put("matching", page.matching()).put("ahead", page.ahead())
                .put("sort", order.name().toLowerCase(java.util.Locale.ROOT)).put("desc", q.descending());
        ArrayNode rows = out.putArray("processes");
        for (ProcessInfo i : page.processes()) rows.add(row(i));
        if (!page.processes().isEmpty()) {
            out.put("first", Cursors.encode(ProcessCursor.of(order, page.processes().get(0))));
            out.put("last", Cursors.encode(ProcessCursor.of(order, page.processes().get(page.processes().size() - 1))));
        }
        return out;
    }

    ObjectNode row(ProcessInfo i) {
        ObjectNode r = json.createObjectNode().put("pid", i.pid()).put("ppid", i.ppid()).put("owner", i.owner())
                .put("program", i.program()).put("state", i.state().name()).put("nice", i.nice())
                .put("started", i.startedMillis()).put("cpuMs", i.usage().cpuNanos() / 1_000_000.0)
                .put("steps", i.usage().steps()).put("syscalls", i.usage().syscalls()).put("tokens", i.usage().tokens());
        if (i.waitingOn() != null) r.put("waitingOn", i.waitingOn());
        return r;
    }

    /** One process: what the table knows, its recent calls, its memory, its files, its mailbox, its children. */
    public ObjectNode one(long pid, Caller caller) throws ApiException {
        ProcessInfo i = processes.info(pid).orElseThrow(() -> new ApiException(404, "ESRCH", "no process " + pid));
        if (!caller.sees(i.owner())) throw caller.notYours("process " + pid + " is");
        ObjectNode out = row(i);
        out.put("schedClass", i.schedClass().name()).put("pausePending", i.pausePending());
        out.set("capabilities", json.valueToTree(i.capabilities()));
        out.set("quotas", json.valueToTree(i.quotas()));
        out.set("usage", json.valueToTree(i.usage()));
        out.set("children", json.valueToTree(i.children()));
        if (i.exit() != null) out.set("exit", json.valueToTree(i.exit()));
        ArrayNode calls = out.putArray("calls");
        List<AuditRecord> recent = audit.read(new AuditQuery(pid, null, null, 50));
        for (AuditRecord r : recent) {
            calls.addObject().put("time", r.time()).put("kind", r.kind()).put("name", r.name()).put("outcome", r.outcome())
                    .put("micros", r.nanos() / 1000.0).put("detail", r.detail());
        }
        MemoryManager m = memory.get();
        if (m != null) {
            Optional<SpaceInfo> space = m.space("user/" + pid);
            space.ifPresent(s -> out.set("memory", json.valueToTree(s)));
        }
        FileSystem fs = files.get();
        if (fs != null) {
            ArrayNode changed = out.putArray("files");
            try {
                for (FileInfo f : fs.changesBy(FsCaller.operator("web", "agents"), pid, 50)) changed.add(json.valueToTree(f));
            } catch (SyscallException e) {
                out.put("filesError", e.errno() + ": " + e.getMessage());
            }
        }
        queues.stats("@" + pid).ifPresent(q -> out.set("mailbox", json.valueToTree(q)));
        return out;
    }

    /** Kill, terminate, pause or resume: an administrator's act, audited with the web user's name. */
    public ObjectNode act(long pid, String action, String user) throws ApiException {
        try {
            switch (action == null ? "" : action) {
                case "kill" -> processes.kill(pid);
                case "terminate" -> processes.terminate(pid);
                case "pause" -> processes.pause(pid);
                case "resume" -> processes.resume(pid);
                default -> throw ApiException.invalid("action is kill, terminate, pause or resume, not '" + action + "'");
            }
        } catch (SyscallException e) {
            audit.record("web." + action, e.errno().name(), user, "pid " + pid + ": " + e.getMessage());
            throw ApiException.of(e);
        }
        audit.record("web." + action, "ok", user, "pid " + pid + " by web console user " + user);
        return json.createObjectNode().put("pid", pid).put("action", action).put("ok", true);
    }

    /**
     * The audit log with the filters of kernel:audit: pid, name prefix, outcome; the newest last.
     * As at the console, the whole log is the administrators'; others read one of their pids'.
     */
    public ObjectNode audit(Params p, Caller caller) throws ApiException {
        long pid = p.number("pid", 0, 0, Long.MAX_VALUE);
        if (!caller.admin()) {
            if (pid == 0) throw new ApiException(403, "EPERM", "the whole audit log is the administrators'; give the pid of one of your processes");
            String owner = processes.info(pid).map(ProcessInfo::owner).orElse(null);
            if (owner == null || !caller.sees(owner)) throw caller.notYours("process " + pid + " is");
        }
        String name = p.text("name", 128);
        String outcome = p.text("outcome", 16);
        if (outcome != null) outcome = outcome.toLowerCase(java.util.Locale.ROOT).equals("ok") ? "ok" : outcome.toUpperCase(java.util.Locale.ROOT);
        int limit = (int) p.number("limit", 100, 1, 1000);
        ObjectNode out = json.createObjectNode();
        ArrayNode records = out.putArray("records");
        for (AuditRecord r : audit.read(new AuditQuery(pid, name, outcome, limit))) {
            records.addObject().put("seq", r.seq()).put("time", r.time()).put("kind", r.kind()).put("pid", r.pid())
                    .put("owner", r.owner()).put("name", r.name()).put("outcome", r.outcome()).put("micros", r.nanos() / 1000.0)
                    .put("detail", r.detail());
        }
        return out;
    }
}
