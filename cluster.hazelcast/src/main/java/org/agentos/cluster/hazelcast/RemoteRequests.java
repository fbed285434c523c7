package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.apache.karaf.shell.api.console.SessionFactory;

/**
 * The receiving side of another node's request: this node's kernel does it, after the same
 * checks its own console makes for the operator the request carries (an administrator may see
 * and act on any process, anyone else on their own), and an act is audited here with the
 * operator's and the asking node's names.
 */
final class RemoteRequests {
    static final String LIST = "list";
    static final String INFO = "info";
    static final String SIGNAL = "signal";
    static final String SPAWN = "spawn";
    static final String PUT = "put";
    static final String RESTORE = "restore";
    static final String MOVE = "move";
    static final String DRAIN = "drain";

    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The nodes serving in this JVM, by member name: where a request that arrives finds its node. */
    private static final java.util.Map<String, RemoteRequests> SERVING = new java.util.concurrent.ConcurrentHashMap<>();

    static void serve(String memberName, RemoteRequests requests) {
        SERVING.put(memberName, requests);
    }

    static void withdraw(String memberName) {
        SERVING.remove(memberName);
    }

    /** The node a request that arrived at {@code memberName} is for, or null when it is stopping. */
    static RemoteRequests at(String memberName) {
        return SERVING.get(memberName);
    }

    private final String node;
    private final Supplier<ProcessManager> processes;
    private final Supplier<AuditLog> audit;
    private final Supplier<SessionFactory> sessions;
    private final MoveInbox inbox;
    private final Supplier<Moves> moves;
    private final Cluster cluster;
    private final Supplier<MessageQueues> queues;

    RemoteRequests(String node, Supplier<ProcessManager> processes, Supplier<AuditLog> audit, Supplier<SessionFactory> sessions,
                   MoveInbox inbox, Supplier<Moves> moves, Cluster cluster, Supplier<MessageQueues> queues) {
        this.node = node;
        this.processes = processes;
        this.audit = audit;
        this.sessions = sessions;
        this.inbox = inbox;
        this.moves = moves;
        this.cluster = cluster;
        this.queues = queues;
    }

    /** How long a queue call may take here: only a durable send waits, for its group commit. */
    static final long QUEUE_CALL_SECONDS = 30;

    /** A queue call of another node's process, run by this node's kernel, which checks it (MessageQueues.callFrom). */
    String serveProcessCall(ProcessCallTask task) {
        MessageQueues q = queues.get();
        if (q == null) return error("EIO", "node " + node + " has no kernel running");
        try {
            JsonNode args = JSON.readTree(task.args);
            if (task.call.equals("proc.spawn")) return spawnFor(task.caller(), args);
            if (task.call.equals(ProcessCallTask.WHERE)) {
                String name = args.path("queue").asText("");
                return JSON.createObjectNode().put("ok", !name.startsWith("@") && q.stats(name).isPresent()).toString();
            }
            SyscallResult r = q.callFrom(task.caller(), task.call, args).toCompletableFuture().get(QUEUE_CALL_SECONDS, TimeUnit.SECONDS);
            if (!r.isOk()) return error(r.errno().name(), r.message());
            ObjectNode out = JSON.createObjectNode();
            out.set("ok", r.value());
            return out.toString();
        } catch (IOException e) {
            return error("EINVAL", "a queue call this node cannot read: " + e.getMessage());
        } catch (TimeoutException e) {
            return error("ETIMEDOUT", "node " + node + " did not finish the call within " + QUEUE_CALL_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("EINTR", "node " + node + " is stopping");
        } catch (ExecutionException e) {
            return error("EIO", "node " + node + " failed the call: " + e.getCause());
        }
    }

    String serve(RemoteTask task) {
        ConsoleOperator operator = new ConsoleOperator(task.user, Set.copyOf(task.roles));
        try {
            ProcessManager pm = processes.get();
            if (pm == null) throw new SyscallException(Errno.EIO, "node " + node + " has no kernel running");
            JsonNode body = JSON.readTree(task.body);
            return switch (task.operation) {
                case LIST -> JSON.writeValueAsString(list(pm, JSON.treeToValue(body, ProcessQuery.class), operator));
                case INFO -> JSON.writeValueAsString(visible(pm, body.path("pid").asLong(), operator));
                case SIGNAL -> signal(pm, body.path("pid").asLong(), Cluster.Signal.valueOf(body.path("signal").asText()), operator,
                        body.path("from").asText("?"));
                case SPAWN -> JSON.createObjectNode().put("printed", ConsoleOnNode.run(sessions.get(), operator,
                        ConsoleOnNode.spawnLine(JSON.treeToValue(body, SpawnOrder.class)))).toString();
                case PUT -> {
                    inbox.put(body.path("move").asText(null), body.path("path").asText(null), body.path("offset").asLong(-1), task.data);
                    yield "{}";
                }
                case RESTORE -> restore(body.path("move").asText(null), operator);
                case MOVE -> JSON.createObjectNode().put("said", moves.get().move(body.path("pid").asLong(), body.path("node").asText(),
                        operator)).toString();
                case DRAIN -> {
                    ObjectNode out = JSON.createObjectNode();
                    var lines = out.putArray("lines");
                    cluster.drain(node, operator).forEach(lines::add);
                    yield out.toString();
                }
                default -> throw new SyscallException(Errno.EINVAL, "no request '" + task.operation + "'");
            };
        } catch (SyscallException e) {
            return error(e.errno().name(), e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            return error("EINVAL", "a request this node cannot read: " + e.getMessage());
        }
    }

    /** A child a process of another node asked for: it needs cluster:spawn:<this node>, and its node's word on who it is. */
    private String spawnFor(RemoteCaller caller, JsonNode args) throws IOException {
        ProcessManager pm = processes.get();
        if (pm == null) return error("EIO", "node " + node + " has no kernel running");
        try {
            if (!CapabilitySet.of(caller.capabilities()).permits("cluster:spawn:" + node)) {
                String why = "pid " + caller.pid() + " of node " + caller.node() + " does not hold cluster:spawn:" + node;
                record("proc.spawn.remote", "EPERM", new ConsoleOperator(caller.owner(), Set.of()), why);
                return error("EPERM", why);
            }
            List<String> caps = null;
            if (args.has("capabilities")) {
                caps = new java.util.ArrayList<>();
                for (JsonNode c : args.get("capabilities")) caps.add(c.asText());
            }
            JsonNode q = args.path("quotas");
            Quotas quotas = q.isObject() ? Quotas.fromJson(q) : null;
            SpawnSpec spec = new SpawnSpec(args.path("program").asText(), args.get("args"), caller.owner(), args.path("nice").asInt(0), caps,
                    quotas, args.hasNonNull("class") ? SchedClass.parse(args.get("class").asText()) : null);
            long pid = pm.spawnFor(caller, spec);
            ObjectNode out = JSON.createObjectNode();
            out.putObject("ok").put("pid", pid).put("node", node);
            return out.toString();
        } catch (SyscallException e) {
            return error(e.errno().name(), e.getMessage());
        } catch (IllegalArgumentException | NullPointerException e) {
            return error("EINVAL", "a spawn this node cannot read: " + e.getMessage());
        }
    }

    /** An image that arrived, started here as the operator's agent:restore; its directory goes either way. */
    private String restore(String move, ConsoleOperator operator) throws SyscallException {
        try {
            String printed = ConsoleOnNode.run(sessions.get(), operator,
                    new ConsoleOnNode.Line("agent:restore $agentos_0", java.util.Map.of("agentos_0", inbox.dir(move).toString())));
            return JSON.createObjectNode().put("printed", printed).toString();
        } finally {
            inbox.delete(move);
        }
    }

    static ProcessListing list(ProcessManager pm, ProcessQuery q, ConsoleOperator operator) throws SyscallException {
        if (!operator.isAdmin()) {
            if (q.owner() != null && !q.owner().equals(operator.name())) {
                throw new SyscallException(Errno.EPERM, "processes of " + q.owner() + " are not yours; only administrators list other owners'");
            }
            q = new ProcessQuery(operator.name(), q.program(), q.state(), q.includeEnded(), q.limit(), q.order(), q.descending(),
                    q.after(), q.backward());
        }
        return pm.list(q);
    }

    private ProcessInfo visible(ProcessManager pm, long pid, ConsoleOperator operator) throws SyscallException {
        ProcessInfo p = pm.info(pid).orElseThrow(() -> new SyscallException(Errno.ESRCH, "no process " + pid + " on node " + node));
        if (!operator.sees(p.owner())) {
            throw new SyscallException(Errno.EPERM, "process " + pid + " belongs to " + p.owner() + "; only administrators act on other owners' processes");
        }
        return p;
    }

    private String signal(ProcessManager pm, long pid, Cluster.Signal signal, ConsoleOperator operator, String from) throws SyscallException {
        visible(pm, pid, operator);
        String name = "cluster." + signal.name().toLowerCase(java.util.Locale.ROOT);
        try {
            switch (signal) {
                case KILL -> pm.kill(pid);
                case TERMINATE -> pm.terminate(pid);
                case PAUSE -> pm.pause(pid);
                case RESUME -> pm.resume(pid);
            }
        } catch (SyscallException e) {
            record(name, e.errno().name(), operator, "pid " + pid + " from node " + from + ": " + e.getMessage());
            throw e;
        }
        record(name, "ok", operator, "pid " + pid + " by console user " + operator.name() + " on node " + from);
        ObjectNode ok = JSON.createObjectNode().put("pid", pid).put("signal", signal.name());
        return ok.toString();
    }

    private void record(String name, String outcome, ConsoleOperator operator, String detail) {
        AuditLog log = audit.get();
        if (log != null) log.record(name, outcome, operator.name(), detail);
    }

    static String error(String errno, String message) {
        return JSON.createObjectNode().put("errno", errno).put("message", message).toString();
    }

    /** The answer's value, or its error as the SyscallException it was. */
    static JsonNode answer(String json) throws SyscallException {
        try {
            JsonNode n = JSON.readTree(json);
            if (n.has("errno")) {
                Errno errno;
                try {
                    errno = Errno.valueOf(n.get("errno").asText());
                } catch (IllegalArgumentException e) {
                    errno = Errno.EIO;
                }
                throw new SyscallException(errno, n.path("message").asText());
            }
            return n;
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "an answer this node cannot read: " + e.getMessage());
        }
    }
}
