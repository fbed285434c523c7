package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.OwnerNames;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.ipc.Ipc;
import org.agentos.kernel.impl.mem.MemoryCalls;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The kernel's own system calls ({@code proc.*}, {@code ipc.*}, {@code mem.*}, {@code tool.*},
 * {@code clock.now}, {@code random.int}), registered in the same syscall table as bundle tools
 * and mediated the same way; each declares whether it may park its caller (addKernelCall,
 * addParkingKernelCall, addBlockingKernelCall). Their argument schemas are JSON text blocks.
 */
public final class KernelSyscalls {

    private static final long MAX_SLEEP_MS = 86_400_000L;

    private KernelSyscalls() {}

    public static void register(Kernel k) {
        registerToolDiscovery(k);
        registerIpc(k);
        registerEvents(k);
        registerSignals(k);
        registerMemory(k);
        k.syscalls.addYieldingKernelCall(describe(k, "proc.yield", "does nothing: the null syscall; lets other processes run",
                "{}", Determinism.PURE), (p, a) -> SyscallResult.OK);

        k.syscalls.addKernelCall(describe(k, "proc.getpid", "the caller's pid and its parent's pid", "{}", Determinism.PURE),
                (p, a) -> SyscallResult.ok(k.json.createObjectNode().put("pid", p.pid).put("ppid", p.ppid)));

        k.syscalls.addBlockingKernelCall(describe(k, "proc.sleep", "blocks the caller for ms milliseconds; survives a restart",
                """
                        {"type":"object","properties":{"ms":{"type":"integer","minimum":0,"maximum":%s}},
                        "required":["ms"],"additionalProperties":false}""".formatted(MAX_SLEEP_MS), Determinism.PURE),
                (p, a) -> {
                    long until;
                    synchronized (p) {
                        // After a restart the call is made again: keep the original wake-up time.
                        until = p.sleepUntilMillis != 0 ? p.sleepUntilMillis
                                : k.hal.currentTimeMillis() + a.get("ms").asLong();
                    }
                    return k.parked.sleepUntil(p, until);
                });

        k.syscalls.addBlockingKernelCall(describe(k, "proc.stop",
                "stops the caller itself, as SIGSTOP to oneself: it stays PAUSED in the process table with the reason, "
                        + "for an operator to inspect, until agent:resume (the call then returns) or agent:kill",
                """
                        {"type":"object","properties":{"reason":{"type":"string","maxLength":2000}},
                        "additionalProperties":false}""", Determinism.PURE),
                (p, a) -> k.lifecycle.stopSelf(p, a.path("reason").asText("stopped itself")));

        k.syscalls.addKernelCall(ToolDescriptor.builder("proc.spawn").version("0.1.0")
                .description("starts a child process running a program; it gets at most the caller's capabilities and quotas; "
                        + "node (a cluster node's name, or auto) starts it on another node, with capability cluster:spawn:<node>")
                .args(schema(k, """
                        {"type":"object","properties":{"program":{"type":"string","minLength":1,"maxLength":128},
                        "args":{"type":"object"},"nice":{"type":"integer","minimum":-20,"maximum":19},
                        "class":{"enum":["realtime","normal","idle"]},"capabilities":{"type":"array",
                        "items":{"type":"string"},"maxItems":64},"quotas":{"type":"object",
                        "properties":{"cpuNanos":{"type":"integer","minimum":1},"wallMillis":{"type":"integer",
                        "minimum":1},"syscalls":{"type":"integer","minimum":1},"bytes":{"type":"integer","minimum":0},
                        "tokens":{"type":"integer","minimum":0}},"additionalProperties":false},
                        "node":{"type":"string","minLength":1,"maxLength":64}},
                        "required":["program"],"additionalProperties":false}"""))
                .capabilities("proc:spawn").determinism(Determinism.RECORDED).timeout(Duration.ofSeconds(15)).build(),
                (p, a) -> {
                    List<String> caps = null;
                    if (a.has("capabilities")) {
                        caps = new ArrayList<>();
                        for (JsonNode c : a.get("capabilities")) caps.add(c.asText());
                    }
                    Quotas q = a.has("quotas") ? Quotas.fromJson(a.get("quotas")) : null;
                    SpawnSpec spec = new SpawnSpec(a.get("program").asText(), a.get("args"), null,
                            a.path("nice").asInt(p.nice), caps, q,
                            a.has("class") ? SchedClass.parse(a.get("class").asText()) : null);
                    if (a.hasNonNull("node")) {
                        SyscallResult there = k.lifecycle.spawnOnNode(p, spec, a.get("node").asText());
                        if (there != null) return there;
                    }
                    long pid = k.lifecycle.spawn(p, spec, false);
                    return SyscallResult.ok(k.json.createObjectNode().put("pid", pid));
                });

        k.syscalls.addBlockingKernelCall(describe(k, "proc.wait",
                "waits for a child (pid, or -1 for any) to end and reaps it; ECHILD when there is no such child",
                """
                        {"type":"object","properties":{"pid":{"type":"integer","minimum":-1},
                        "timeoutMs":{"type":"integer","minimum":0}},"additionalProperties":false}""",
                Determinism.RECORDED),
                (p, a) -> k.exits.waitChild(p, a.path("pid").asLong(-1), a.path("timeoutMs").asLong(0)));

        k.syscalls.addKernelCall(ToolDescriptor.builder("proc.kill").version("0.1.0")
                .description("sends term (catchable) or kill to a descendant; other processes need proc:kill:any")
                .args(schema(k, """
                        {"type":"object","properties":{"pid":{"type":"integer","minimum":1},"signal":{"enum":["term",
                        "kill"]}},"required":["pid"],"additionalProperties":false}"""))
                .capabilities("proc:kill").determinism(Determinism.RECORDED).build(), // ESRCH or not: the world's answer
                (p, a) -> {
                    Proc target = k.procs.get(a.get("pid").asLong());
                    if (target == null) throw new SyscallException(Errno.ESRCH, "no process " + a.get("pid").asLong());
                    if (!k.procs.isDescendant(p, target) && !p.caps.permits("proc:kill:any")) {
                        throw new SyscallException(Errno.EPERM, "process " + target.pid
                                + " is not a descendant of pid " + p.pid + " (signalling it needs proc:kill:any)");
                    }
                    k.lifecycle.signal(target, "kill".equals(a.path("signal").asText("term")), "pid " + p.pid);
                    return SyscallResult.OK;
                });

        k.syscalls.addKernelCall(describe(k, "proc.info", "the process-table entry of the caller or of one of its descendants",
                """
                        {"type":"object","properties":{"pid":{"type":"integer","minimum":1}},
                        "additionalProperties":false}""",
                Determinism.RECORDED),
                (p, a) -> {
                    long pid = a.path("pid").asLong(p.pid);
                    Proc target = k.procs.get(pid);
                    if (target == null) throw new SyscallException(Errno.ESRCH, "no process " + pid);
                    if (target != p && !k.procs.isDescendant(p, target) && !p.caps.permits("proc:info:any")) {
                        throw new SyscallException(Errno.EPERM, "process " + pid + " is not a descendant of pid " + p.pid
                                + " (reading it needs proc:info:any)");
                    }
                    ProcessInfo info = k.info(pid).orElseThrow(() -> new SyscallException(Errno.ESRCH, "no process " + pid));
                    return SyscallResult.ok(k.json.valueToTree(info));
                }).readsOnly();

        k.syscalls.addKernelCall(describe(k, "clock.now", "wall-clock time (epoch ms) and a monotonic clock (ns); journaled for replay",
                "{}", Determinism.RECORDED),
                (p, a) -> SyscallResult.ok(k.json.createObjectNode().put("millis", k.hal.currentTimeMillis())
                        .put("nanos", k.hal.nanoTime()))).readsOnly();

        k.syscalls.addKernelCall(describe(k, "random.int", "a uniformly random integer in [0, bound); journaled for replay",
                """
                        {"type":"object","properties":{"bound":{"type":"integer","minimum":1,"maximum":2147483647}},
                        "additionalProperties":false}""", Determinism.RECORDED),
                (p, a) -> SyscallResult.ok(k.json.createObjectNode().put("value",
                        ThreadLocalRandom.current().nextInt(a.path("bound").asInt(Integer.MAX_VALUE))))).readsOnly();
    }

    private static final String QUEUE = """
            "queue":{"type":"string","minLength":1,"maxLength":64}""";
    private static final String TIMEOUT = """
            "timeoutMs":{"type":"integer","minimum":0,"maximum":%s}""".formatted(MAX_SLEEP_MS);
    private static final String IDS = """
            "ids":{"type":"array","items":{"type":"integer","minimum":1},"minItems":1,"maxItems":%s}""".formatted(Ipc.MAX_BATCH);

    /** ipc.*: queues, mailboxes, request/reply (docs/ipc.md). */
    private static void registerIpc(Kernel k) {
        k.syscalls.addKernelCall(ToolDescriptor.builder("ipc.create").version("0.1.0")
                .description("creates a named queue owned by the caller's owner: delivery at-most-once | at-least-once | exactly-once; "
                        + "processes of its owner use it, and of the owners listed in members, each with the ipc capability")
                .args(schema(k, """
                        {"type":"object","properties":{%s,"delivery":{"enum":["at-most-once","at-least-once",
                        "exactly-once"]},"capacity":{"type":"integer","minimum":1,"maximum":10000000},
                        "visibilityMs":{"type":"integer","minimum":1},"maxDeliveries":{"type":"integer","minimum":1,
                        "maximum":1000},"dedupWindowMs":{"type":"integer","minimum":1},
                        "priorities":{"type":"boolean"},"durable":{"type":"boolean"},%s},"required":["queue"],
                        "additionalProperties":false}""".formatted(QUEUE, MEMBERS)))
                .capabilities("ipc:create:{queue}").determinism(Determinism.RECORDED).build(),
                (p, a) -> {
                    QueueSpec spec;
                    try {
                        QueueSpec.Builder b = QueueSpec.builder(a.get("queue").asText());
                        if (a.has("delivery")) b.delivery(Delivery.parse(a.get("delivery").asText()));
                        if (a.has("capacity")) b.capacity(a.get("capacity").asInt());
                        if (a.has("visibilityMs")) b.visibilityMillis(a.get("visibilityMs").asLong());
                        if (a.has("maxDeliveries")) b.maxDeliveries(a.get("maxDeliveries").asInt());
                        if (a.has("dedupWindowMs")) b.dedupWindowMillis(a.get("dedupWindowMs").asLong());
                        if (a.has("priorities")) b.priorities(a.get("priorities").asBoolean());
                        if (a.has("durable")) b.durable(a.get("durable").asBoolean());
                        b.members(OwnerNames.members(a.path("members")));
                        spec = b.build();
                    } catch (IllegalArgumentException e) {
                        throw new SyscallException(Errno.EINVAL, e.getMessage());
                    }
                    return SyscallResult.ok(k.json.valueToTree(k.ipc.create(p, spec)));
                });

        k.syscalls.addKernelCall(describe(k, "ipc.delete", "deletes a queue the caller's owner created (others need ipc:admin); waiters get ENOENT",
                """
                        {"type":"object","properties":{%s},"required":["queue"],"additionalProperties":false}""".formatted(QUEUE),
                Determinism.RECORDED), (p, a) -> {
                    k.ipc.delete(p, a.get("queue").asText());
                    return SyscallResult.OK;
                });

        k.syscalls.addParkingKernelCall(ToolDescriptor.builder("ipc.send").version("0.1.0")
                .description("sends a message (payload) or a batch (messages) to a queue or a mailbox @<pid>; on a full queue "
                        + "the caller waits (timeoutMs; 0 = EAGAIN at once); an exactly-once queue drops a repeated key")
                .args(schema(k, """
                        {"type":"object","properties":{%s,"payload":{},"priority":{"type":"integer","minimum":0,
                        "maximum":9},"key":{"type":"string","minLength":1,"maxLength":256},
                        "correlationId":{"type":"string","maxLength":256},"replyTo":{"type":"string","maxLength":64},
                        "messages":{"type":"array","minItems":1,"maxItems":%s,"items":{"type":"object",
                        "properties":{"payload":{},"priority":{"type":"integer","minimum":0,"maximum":9},
                        "key":{"type":"string","minLength":1,"maxLength":256}},"additionalProperties":false}},%s},
                        "required":["queue"],"additionalProperties":false}""".formatted(QUEUE, Ipc.MAX_BATCH, TIMEOUT)))
                .capabilities("ipc:send:{queue}").determinism(Determinism.RECORDED).timeout(Duration.ofDays(1)).build(),
                (p, a, fromOutside) -> {
                    List<Ipc.Outgoing> batch = Ipc.Outgoing.batchOf(a);
                    // what the queue will hold for the sender counts against its byte quota, as bytes moved
                    long bytes = 0;
                    for (Ipc.Outgoing o : batch) bytes += o.bytes();
                    k.chargeBytes(p, bytes);
                    // Made from outside the program (the gateway), a send cannot block the process: EAGAIN instead.
                    long timeout = fromOutside ? 0 : a.path("timeoutMs").asLong(-1);
                    String node = k.ipc.elsewhere.holderOf(a.get("queue").asText());
                    if (node != null) {
                        return fromOutside ? k.ipc.elsewhere.now(p, node, "ipc.send", a) : k.ipc.elsewhere.park(p, node, "ipc.send", a, timeout);
                    }
                    return k.ipc.sending.send(p, a.get("queue").asText(), batch, timeout, fromOutside);
                });

        k.syscalls.addBlockingKernelCall(ToolDescriptor.builder("ipc.recv").version("0.1.0")
                .description("receives up to max messages from a queue (needs ipc:recv:<queue>) or, without queue, the caller's "
                        + "mailbox; waits for the first (timeoutMs; 0 = EAGAIN at once)")
                .args(schema(k, """
                        {"type":"object","properties":{%s,"max":{"type":"integer","minimum":1,"maximum":%s},%s},
                        "additionalProperties":false}""".formatted(QUEUE, Ipc.MAX_BATCH, TIMEOUT)))
                .determinism(Determinism.RECORDED).timeout(Duration.ofDays(1)).build(),
                (p, a) -> {
                    String queue = a.hasNonNull("queue") ? a.get("queue").asText() : null;
                    String node = k.ipc.elsewhere.holderOf(queue);
                    if (node != null) {
                        org.agentos.kernel.impl.ipc.Receiving.mayReceive(p, queue);
                        return k.ipc.elsewhere.park(p, node, "ipc.recv", a, a.path("timeoutMs").asLong(-1));
                    }
                    return k.ipc.receiving.recv(p, queue, a.path("max").asInt(1), a.path("timeoutMs").asLong(-1));
                });

        k.syscalls.addKernelCall(describe(k, "ipc.ack", "marks messages received from an at-least-once or exactly-once queue as done",
                """
                        {"type":"object","properties":{%s,%s},"required":["queue","ids"],"additionalProperties":false}""".formatted(QUEUE, IDS), Determinism.RECORDED),
                (p, a) -> {
                    String node = k.ipc.elsewhere.holderOf(a.get("queue").asText());
                    return node != null ? k.ipc.elsewhere.now(p, node, "ipc.ack", a) : k.ipc.receiving.ack(p, a.get("queue").asText(), longs(a.get("ids")));
                });

        k.syscalls.addKernelCall(describe(k, "ipc.nack", "gives received messages back: delivered again (requeue, the default) or to the "
                        + "dead-letter queue (requeue false)",
                """
                        {"type":"object","properties":{%s,%s,"requeue":{"type":"boolean"}},"required":["queue","ids"],
                        "additionalProperties":false}""".formatted(QUEUE, IDS), Determinism.RECORDED),
                (p, a) -> {
                    String node = k.ipc.elsewhere.holderOf(a.get("queue").asText());
                    return node != null ? k.ipc.elsewhere.now(p, node, "ipc.nack", a)
                            : k.ipc.receiving.nack(p, a.get("queue").asText(), longs(a.get("ids")), a.path("requeue").asBoolean(true));
                });

        k.syscalls.addBlockingKernelCall(ToolDescriptor.builder("ipc.request").version("0.1.0")
                .description("sends payload with a correlation id and the caller's mailbox as replyTo, then waits for the reply "
                        + "(a message to replyTo with that correlationId)")
                .args(schema(k, """
                        {"type":"object","properties":{%s,"payload":{},"key":{"type":"string","minLength":1,
                        "maxLength":256},%s},"required":["queue"],"additionalProperties":false}""".formatted(QUEUE, TIMEOUT)))
                .capabilities("ipc:send:{queue}").determinism(Determinism.RECORDED).timeout(Duration.ofDays(1)).build(),
                (p, a) -> {
                    if (k.ipc.elsewhere.holderOf(a.get("queue").asText()) != null) {
                        throw new SyscallException(Errno.EINVAL, "queue '" + a.get("queue").asText() + "' is on another node, and a reply "
                                + "comes to a mailbox, which is this node's: ipc.send with a reply queue's name in the payload instead");
                    }
                    JsonNode payload = a.path("payload").isMissingNode() ? NullNode.instance : a.get("payload");
                    k.chargeBytes(p, Ipc.sizeOf(payload));
                    return k.ipc.receiving.request(p, a.get("queue").asText(), payload, a.hasNonNull("key") ? a.get("key").asText() : null,
                            a.path("timeoutMs").asLong(-1));
                });
    }

    private static void registerSignals(Kernel k) {
        k.syscalls.addKernelCall(ToolDescriptor.builder("proc.signal").version("0.1.0")
                .description("sends a signal to a descendant (others need proc:kill:any): term (catchable), kill, or a user "
                        + "signal usr1 | usr2 | hup | int with an optional payload, handled before its next step")
                .args(schema(k, """
                        {"type":"object","properties":{"pid":{"type":"integer","minimum":1},"signal":{"enum":["term",
                        "kill","usr1","usr2","hup","int"]},"payload":{}},"required":["pid","signal"],
                        "additionalProperties":false}"""))
                .capabilities("proc:kill").determinism(Determinism.RECORDED).build(),
                (p, a) -> {
                    Proc target = k.procs.get(a.get("pid").asLong());
                    if (target == null) throw new SyscallException(Errno.ESRCH, "no process " + a.get("pid").asLong());
                    if (!k.procs.isDescendant(p, target) && !p.caps.permits("proc:kill:any")) {
                        throw new SyscallException(Errno.EPERM, "process " + target.pid
                                + " is not a descendant of pid " + p.pid + " (signalling it needs proc:kill:any)");
                    }
                    String signal = a.get("signal").asText();
                    if (signal.equals("term") || signal.equals("kill")) k.lifecycle.signal(target, signal.equals("kill"), "pid " + p.pid);
                    else k.lifecycle.userSignal(target, signal, a.get("payload"), p.pid);
                    return SyscallResult.OK;
                });
    }

    private static void registerEvents(Kernel k) {
        k.syscalls.addKernelCall(describe(k, "ipc.subscribe",
                "events whose topic matches the filter (org/agentos/process/*, org/agentos/fs/CHANGED, *) arrive in the "
                        + "caller's mailbox as {topic, properties}; unsubscribe ends it; needs ipc:subscribe:<filter>",
                """
                        {"type":"object","properties":{"topic":{"type":"string","minLength":1,"maxLength":256},
                        "unsubscribe":{"type":"boolean"}},"required":["topic"],"additionalProperties":false}""",
                Determinism.RECORDED),
                (p, a) -> {
                    String topic = a.get("topic").asText();
                    if (!p.caps.permits("ipc:subscribe:" + topic)) {
                        throw new SyscallException(Errno.EPERM, "ipc.subscribe needs capability 'ipc:subscribe:" + topic
                                + "', which pid " + p.pid + " does not hold");
                    }
                    return k.ipc.events.subscribe(p, topic, a.path("unsubscribe").asBoolean(false));
                });
    }

    /**
     * One message's fields (payload, priority, key, correlationId, replyTo) read in one pass: a
     * batch item, or the arguments of a single send (whose other fields are ignored here). A
     * batch of 100 is 100 of these per call, so no lookup per field.
     */
    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>(array.size());
        for (JsonNode n : array) out.add(n.asLong());
        return out;
    }

    /** tool.list and tool.describe: what an agent may call, and how. */
    private static void registerToolDiscovery(Kernel k) {
        k.syscalls.addKernelCall(describe(k, "tool.list",
                "the syscalls in the table (optionally those starting with prefix), each with whether the caller may call it",
                """
                        {"type":"object","properties":{"prefix":{"type":"string","maxLength":128},
                        "permittedOnly":{"type":"boolean"}},"additionalProperties":false}""",
                Determinism.RECORDED),
                (p, a) -> {
                    String prefix = a.path("prefix").asText("");
                    boolean permittedOnly = a.path("permittedOnly").asBoolean(false);
                    ArrayNode tools = k.json.createArrayNode();
                    for (SyscallEntry e : k.syscalls.sorted()) {
                        if (!e.name.startsWith(prefix)) continue;
                        boolean permitted = e.permitsFixed(p.caps);
                        if (permittedOnly && !permitted) continue;
                        ObjectNode t = tools.addObject();
                        t.put("name", e.name).put("version", e.descriptor.version())
                                .put("description", e.descriptor.description())
                                .put("resourceClass", e.descriptor.resourceClass().name().toLowerCase(java.util.Locale.ROOT))
                                .put("permitted", permitted).put("provider", e.provider);
                    }
                    return SyscallResult.ok(k.json.createObjectNode().put("count", tools.size()).set("tools", tools));
                }).readsOnly();

        k.syscalls.addKernelCall(describe(k, "tool.describe",
                "the full descriptor of one syscall: argument and result schemas, capabilities, resource class, timeout",
                """
                        {"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":128}},
                        "required":["name"],"additionalProperties":false}""",
                Determinism.RECORDED),
                (p, a) -> {
                    SyscallEntry e = k.syscalls.get(a.get("name").asText());
                    if (e == null) throw new SyscallException(Errno.ENOENT, "no syscall '" + a.get("name").asText() + "'");
                    ObjectNode d = ToolDescriptors.toJson(e.descriptor, e.provider);
                    d.put("permitted", e.permitsFixed(p.caps));
                    // for replay and recovery (docs/debugging.md): kept in the call journal, and durable before it is seen
                    d.put("journaled", e.journaled()).put("effects", e.hasEffects());
                    return SyscallResult.ok(d);
                }).readsOnly();
    }

    /** Owners besides the creator's that may reach a shared space or queue. */
    static final String MEMBERS = """
            "members":{"type":"array","maxItems":%s,"items":{"type":"string","pattern":"^[A-Za-z0-9._@-]{1,64}$"}}""".formatted(OwnerNames.MAX_MEMBERS);

    private static final String SPACE = """
            "space":{"type":"string","minLength":1,"maxLength":160,
            "description":"user (your own), system, user/<pid> or shared/<name>; default user"}""";
    private static final String KEY = """
            "key":{"type":"string","minLength":1,"maxLength":512}""";
    private static final String VALUE = """
            "value":{},"base64":{"type":"string"},"working":{"type":"boolean"},"tokens":{"type":"integer",
            "minimum":0},"summary":{"type":"string","maxLength":4096}""";
    private static final String SYNC = """
            "name":{"type":"string","minLength":1,"maxLength":128}""";
    private static final String WAIT = """
            "timeoutMs":{"type":"integer","minimum":-1}""";

    /** mem.* and proc.fork: through the bound memory manager, which checks access ({@code mem:read:<space>} ...). */
    private static void registerMemory(Kernel k) {
        MemoryCalls m = k.mem;
        k.syscalls.addParkingKernelCall(memCall(k, "mem.get", "the value under key in a space (a paged-out working entry is paged back in)",
                """
                        {"type":"object","properties":{%s,%s},"required":["key"],"additionalProperties":false}""".formatted(SPACE, KEY)),
                m::get).readsOnly();
        k.syscalls.addParkingKernelCall(memCall(k, "mem.put", "stores value (JSON) or base64 (bytes) under key, a new version; working: an "
                        + "entry of the context window (tokens, summary); waits for the disk in a persistent space",
                """
                        {"type":"object","properties":{%s,%s,%s},"required":["key"],"additionalProperties":false}""".formatted(SPACE, KEY, VALUE)), m::put);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.delete", "removes key from a space",
                """
                        {"type":"object","properties":{%s,%s},"required":["key"],"additionalProperties":false}""".formatted(SPACE, KEY)),
                m::delete);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.cas", "compare-and-set: writes value only if the key's version is expect (0: only if absent)",
                """
                        {"type":"object","properties":{%s,%s,%s,"expect":{"type":"integer","minimum":0}},
                        "required":["key","expect"],"additionalProperties":false}""".formatted(SPACE, KEY, VALUE)), m::cas);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.list", "keys of a space in order, with prefix, a page of at most limit after after",
                """
                        {"type":"object","properties":{%s,"prefix":{"type":"string","maxLength":512},
                        "after":{"type":"string","maxLength":512},"limit":{"type":"integer","minimum":1,
                        "maximum":%s}},"additionalProperties":false}""".formatted(SPACE, MemoryCalls.MAX_LIST)), m::list).readsOnly();
        k.syscalls.addParkingKernelCall(memCall(k, "mem.search", "entries of a space whose key or text contains all the words of query",
                """
                        {"type":"object","properties":{%s,"query":{"type":"string","minLength":1,"maxLength":1024},
                        "limit":{"type":"integer","minimum":1,"maximum":100}},"required":["query"],
                        "additionalProperties":false}""".formatted(SPACE)),
                m::search).readsOnly();
        k.syscalls.addParkingKernelCall(memCall(k, "mem.recall", "pages back in the caller's paged-out working entries that best match query (full text)",
                """
                        {"type":"object","properties":{"query":{"type":"string","minLength":1,"maxLength":1024},
                        "limit":{"type":"integer","minimum":1,"maximum":100}},"required":["query"],
                        "additionalProperties":false}"""),
                m::recall);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.budget", "sets the token budget of the caller's context window (tokens; 0: unlimited), or without "
                        + "tokens only reads it; returns the window: residentTokens, tokenBudget, pagedOut (entries in the archive)",
                """
                        {"type":"object","properties":{"tokens":{"type":"integer","minimum":0}},
                        "additionalProperties":false}"""), m::budget);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.share", "creates the shared space shared/<name> (needs mem:share:<name>); processes of "
                        + "its owner reach it, and of the owners listed in members, each with mem:read/mem:write:shared/<name>",
                """
                        {"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":128},
                        "persistent":{"type":"boolean"},"quotaBytes":{"type":"integer","minimum":0},%s},
                        "required":["name"],"additionalProperties":false}""".formatted(MEMBERS)), m::share);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.unshare", "deletes the shared space shared/<name> with everything in it (its owner, or mem:admin)",
                """
                        {"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":128}},
                        "required":["name"],"additionalProperties":false}"""), m::unshare);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.lock", "takes lock name of a space; waits (BLOCKED) while another holds it, at most timeoutMs "
                        + "(-1: no limit, 0: EAGAIN at once); released by mem.unlock or the holder's exit",
                """
                        {"type":"object","properties":{%s,%s,%s},"required":["name"],"additionalProperties":false}""".formatted(SPACE, SYNC, WAIT)),
                m.sync::lock);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.unlock", "releases a lock the caller holds",
                """
                        {"type":"object","properties":{%s,%s},"required":["name"],"additionalProperties":false}""".formatted(SPACE, SYNC)),
                m.sync::unlock);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.sem.acquire", "takes permits of counting semaphore name (created with initial permits); "
                        + "waits (BLOCKED) until enough are free, at most timeoutMs",
                """
                        {"type":"object","properties":{%s,%s,"permits":{"type":"integer","minimum":1,
                        "maximum":1000000},"initial":{"type":"integer","minimum":1,"maximum":1000000},%s},
                        "required":["name"],"additionalProperties":false}""".formatted(SPACE, SYNC, WAIT)), m.sync::semAcquire);
        k.syscalls.addParkingKernelCall(memCall(k, "mem.sem.release", "gives back permits of a semaphore the caller holds",
                """
                        {"type":"object","properties":{%s,%s,"permits":{"type":"integer","minimum":1,
                        "maximum":1000000}},"required":["name"],"additionalProperties":false}""".formatted(SPACE, SYNC)), m.sync::semRelease);
        k.syscalls.addParkingKernelCall(ToolDescriptor.builder("proc.fork").version("0.1.0")
                .description("a child running the same program from a copy of the caller's state and a copy-on-write copy of "
                        + "its user space; returns {pid: child} to the caller and {pid: 0, ppid} to the child")
                .args(ToolDescriptor.emptyObjectSchema()).capabilities("proc:spawn").determinism(Determinism.RECORDED)
                .timeout(Duration.ofSeconds(30)).build(), (p, a, fromOutside) -> m.fork(p, fromOutside));
    }

    private static ToolDescriptor memCall(Kernel k, String name, String description, String schema) {
        return ToolDescriptor.builder(name).version("0.1.0").description(description).args(schema(k, schema))
                .determinism(Determinism.RECORDED).timeout(Duration.ofDays(1)).build();
    }

    private static ToolDescriptor describe(Kernel k, String name, String description, String schema, Determinism d) {
        return ToolDescriptor.builder(name).version("0.1.0").description(description)
                .args("{}".equals(schema) ? ToolDescriptor.emptyObjectSchema() : schema(k, schema))
                .determinism(d).idempotent(d == Determinism.PURE).timeout(Duration.ofDays(1)).build();
    }

    private static ObjectNode schema(Kernel k, String text) {
        try {
            return (ObjectNode) k.json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bad built-in schema: " + text, e);
        }
    }
}
