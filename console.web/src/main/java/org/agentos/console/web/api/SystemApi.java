package org.agentos.console.web.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Supplier;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.SystemMetrics;

/** The rest of the web view's data: top, the charts' history, subsystems, queues, memory spaces, the audit log. */
public final class SystemApi {
    private final ObjectMapper json;
    private final KernelMetrics kernel;
    private final Subsystems subsystems;
    private final MessageQueues queues;
    private final AuditLog audit;
    private final Supplier<MemoryManager> memory;
    private final SystemHistory history;
    private final TopSampler top;

    public SystemApi(ObjectMapper json, KernelMetrics kernel, Subsystems subsystems, MessageQueues queues, AuditLog audit,
                     Supplier<MemoryManager> memory, SystemHistory history) {
        this.json = json;
        this.kernel = kernel;
        this.subsystems = subsystems;
        this.queues = queues;
        this.audit = audit;
        this.memory = memory;
        this.history = history;
        this.top = new TopSampler(kernel);
    }

    /** The header of top and the busiest processes and owners by {@code by} (cpu, syscalls, tokens). */
    public ObjectNode top(Params p, long nowNanos, Caller caller) throws ApiException {
        String by = p.text("by", 16);
        if (by == null) by = "cpu";
        if (!by.equals("cpu") && !by.equals("syscalls") && !by.equals("tokens")) {
            throw ApiException.invalid("by is cpu, syscalls or tokens, not '" + by + "'");
        }
        int limit = (int) p.number("limit", 20, 1, 200);
        SystemMetrics s = kernel.system();
        ObjectNode out = json.createObjectNode();
        ObjectNode header = out.putObject("header").put("workers", s.workers()).put("busy", s.busy())
                .put("runnable", s.processes().getOrDefault(ProcessState.READY, 0L) + s.processes().getOrDefault(ProcessState.RUNNING, 0L))
                .put("blocked", s.processes().getOrDefault(ProcessState.BLOCKED, 0L))
                .put("paused", s.processes().getOrDefault(ProcessState.PAUSED, 0L))
                .put("memoryLevel", s.memoryLevel());
        header.set("gates", json.valueToTree(s.gates()));
        var points = history.points();
        if (!points.isEmpty()) {
            SystemHistory.Point last = points.get(points.size() - 1);
            header.put("stepsPerSecond", last.stepsPerSecond())
                    .put("syscallsPerSecond", last.syscallsOkPerSecond() + last.syscallsFailedPerSecond());
        }
        TopSampler.Rates rates = top.rates(by, limit, nowNanos, caller.admin() ? null : caller.user());
        out.put("by", by).put("intervalSeconds", rates.intervalSeconds());
        out.set("processes", json.valueToTree(rates.processes()));
        out.set("owners", json.valueToTree(rates.owners()));
        return out;
    }

    public ObjectNode history() {
        ObjectNode out = json.createObjectNode();
        out.set("points", json.valueToTree(history.points()));
        return out;
    }

    /** The cluster's nodes (what cluster:nodes shows), or a note when this installation is not a node. */
    public ObjectNode nodes(Cluster cluster) {
        ObjectNode out = json.createObjectNode();
        if (cluster == null) return out.put("note", "this installation is not a cluster node (feature:install agentos-cluster; docs/cluster.md)");
        out.put("cluster", cluster.name()).put("local", cluster.localNode()).put("state", cluster.state());
        out.set("nodes", json.valueToTree(cluster.nodes()));
        return out;
    }

    public ObjectNode subsystems() {
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("subsystems");
        for (SubsystemBinding b : subsystems.bindings()) list.add(json.valueToTree(b));
        out.set("swaps", json.valueToTree(kernel.system().swaps()));
        return out;
    }

    /** kernel:swap from the web: an administrator's act, audited with the web user's name. */
    public ObjectNode swap(Params p, String user) throws ApiException {
        String subsystem = p.text("subsystem", 16);
        String implementation = p.text("implementation", 64);
        if (subsystem == null || implementation == null) throw ApiException.invalid("subsystem and implementation are required");
        try {
            String said = subsystems.choose(subsystem, implementation);
            audit.record("web.swap", "ok", user, said + " (by web console user " + user + ")");
            return json.createObjectNode().put("ok", true).put("message", said);
        } catch (SyscallException e) {
            audit.record("web.swap", e.errno().name(), user, subsystem + " " + implementation + ": " + e.getMessage());
            throw ApiException.of(e);
        }
    }

    /** Queues (mailboxes too with {@code mailboxes=true}) the caller sees, the fullest first. */
    public ObjectNode queues(Params p, Caller caller) throws ApiException {
        boolean mailboxes = p.flag("mailboxes");
        int limit = (int) p.number("limit", 100, 1, 1000);
        var all = queues.queues().stream().filter(q -> mailboxes || !q.name().startsWith("@")).filter(q -> caller.sees(q.owner()))
                .sorted(java.util.Comparator.comparingInt((QueueStats q) -> q.ready() + q.inFlight() + q.deadLetters()).reversed()
                        .thenComparing(QueueStats::name)).toList();
        ObjectNode out = json.createObjectNode().put("matching", all.size());
        out.set("queues", json.valueToTree(all.subList(0, Math.min(limit, all.size()))));
        return out;
    }

    /** Memory spaces of a kind (shared by default; system, user) the caller sees, the largest first. */
    public ObjectNode spaces(Params p, Caller caller) throws ApiException {
        SpaceKind kind = p.choice("kind", SpaceKind.class, SpaceKind.SHARED);
        int limit = (int) p.number("limit", 100, 1, 1000);
        MemoryManager m = memory.get();
        ObjectNode out = json.createObjectNode();
        if (m == null) return out.put("matching", 0).put("note", "no memory manager is bound");
        var all = m.spaces().stream().filter(s -> s.kind() == kind && caller.sees(s.owner()))
                .sorted(java.util.Comparator.comparingLong(SpaceInfo::bytes).reversed().thenComparing(SpaceInfo::name)).toList();
        out.put("manager", m.name()).put("matching", all.size());
        out.set("spaces", json.valueToTree(all.subList(0, Math.min(limit, all.size()))));
        return out;
    }
}
