package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.journal.Journal;
import org.agentos.kernel.api.security.OwnerNames;
import org.agentos.kernel.impl.Kernel;

/**
 * The queue log of the durable queues ({@code ipc/queues.log}, a {@link Journal}): the records
 * it holds (create, send, done, dead, redrive, key, delete), the recovery that rebuilds the
 * queues from it at start, and the snapshot it is compacted to.
 */
final class QueueLog {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QueueLog.class);

    private final Kernel k;
    private final Ipc ipc;

    QueueLog(Kernel k, Ipc ipc) {
        this.k = k;
        this.ipc = ipc;
    }

    /** The journal, or null when the kernel keeps no state on disk (or has stopped). */
    Journal journal() {
        return log;
    }

    /** The journal of the durable queues; null when the kernel keeps no state on disk. */
    private volatile Journal log;

    /** The queue log is rewritten from a snapshot once it is this big and twice its live size (tests lower it). */
    public long compactAboveBytes = 64L << 20;

    /** Whether a receive from q must be on disk before the receiver sees it: durable at-most-once. */
    static boolean takenOnDisk(MessageQueue q) {
        return q.journal != null && q.spec.delivery() == Delivery.AT_MOST_ONCE;
    }

    static List<Long> ids(List<MessageQueue.Msg> msgs) {
        List<Long> out = new ArrayList<>(msgs.size());
        for (MessageQueue.Msg m : msgs) out.add(m.id);
        return out;
    }

    /** Journals that messages {@code ids} of q are done (acked, or received at-most-once), in one record. */
    void journalDone(MessageQueue q, List<Long> ids, Journal.Done then) {
        org.agentos.kernel.api.cluster.QueueMirror mirror = q.spec.durable() ? ipc.mirror() : null;
        if (mirror != null) mirror.done(q.name, ids);
        Journal journal = log;
        if (journal == null) {
            if (then != null) then.run(null);
            return;
        }
        ObjectNode r = k.json.createObjectNode().put("t", "done").put("q", q.name);
        ArrayNode a = r.putArray("ids");
        for (long id : ids) a.add(id);
        journal.append(bytes(r), then);
    }

    /** One record for the messages of one send, written straight with a generator (the hot path of durable sends). */
    byte[] sendRecord(MessageQueue q, List<MessageQueue.Msg> msgs) {
        return sendRecord(q, msgs, null, null);
    }

    /**
     * As above, naming the process's call that sent them ({@code ToolContext.callId()}) and the
     * ids it answered with, so that the same call made again after a crash is answered with them
     * instead of sending again ({@link #sentBy}).
     */
    byte[] sendRecord(MessageQueue q, List<MessageQueue.Msg> msgs, String callId, JsonNode ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(64 + 160 * msgs.size());
        try (com.fasterxml.jackson.core.JsonGenerator g = k.json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("t", "send");
            g.writeStringField("q", q.name);
            g.writeArrayFieldStart("m");
            for (MessageQueue.Msg m : msgs) {
                g.writeStartObject();
                g.writeNumberField("id", m.id);
                g.writeNumberField("from", m.from);
                g.writeFieldName("payload");
                k.json.writeTree(g, m.payload);
                g.writeNumberField("at", m.sentMillis);
                if (m.priority != 0) g.writeNumberField("prio", m.priority);
                if (m.key != null) g.writeStringField("key", m.key);
                if (m.correlationId != null) g.writeStringField("corr", m.correlationId);
                if (m.replyTo != null) g.writeStringField("reply", m.replyTo);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (callId != null && ids != null) {
                g.writeStringField("call", callId);
                g.writeFieldName("ids");
                k.json.writeTree(g, ids);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The ids a durable send made by call {@code callId} before the restart answered with, once; null when none. */
    long[] sentBy(String callId) {
        if (sentByCall.isEmpty()) return null;
        synchronized (sentByCall) {
            return sentByCall.remove(callId);
        }
    }

    /** Keeps of {@link #sentBy} only the calls {@code cut} says were cut by the crash (the rest are answered already). */
    public void keepSends(java.util.function.Predicate<String> cut) {
        synchronized (sentByCall) {
            sentByCall.keySet().removeIf(cut.negate());
        }
    }

    /** Durable sends by the process call that made them, read at recovery. */
    private final java.util.Map<String, long[]> sentByCall = new java.util.HashMap<>();

    BiConsumerOfMsg journalOf(MessageQueue q) {
        return (type, m) -> {
            Journal journal = log;
            if (journal != null) journal.append(bytes(k.json.createObjectNode().put("t", type).put("q", q.name).put("id", m.id)), null);
        };
    }

    /** A journal callback: ("done" | "dead" | "redrive", message). */
    interface BiConsumerOfMsg extends java.util.function.BiConsumer<String, MessageQueue.Msg> {}

    byte[] bytes(ObjectNode record) {
        try {
            return k.json.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    ObjectNode createRecord(QueueSpec spec, String owner) {
        ObjectNode r = k.json.createObjectNode().put("t", "create").put("q", spec.name()).put("owner", owner)
                .put("delivery", spec.delivery().label()).put("capacity", spec.capacity())
                .put("visibilityMs", spec.visibilityMillis()).put("maxDeliveries", spec.maxDeliveries())
                .put("dedupWindowMs", spec.dedupWindowMillis()).put("priorities", spec.priorities());
        if (!spec.members().isEmpty()) spec.members().forEach(r.putArray("members")::add);
        return r;
    }

    /** The members a create record lists; a log edited into nonsense admits nobody. */
    private static Set<String> members(JsonNode c) {
        try {
            return OwnerNames.members(c.path("members"));
        } catch (IllegalArgumentException e) {
            LOG.warn("queue {}: ignoring its members ({})", c.path("q").asText(), e.getMessage());
            return Set.of();
        }
    }

    /**
     * Rebuilds the durable queues from the queue log under {@code dataDir}: what was sent and not
     * acked is ready again in the order it was sent (in flight at the crash counts as not acked),
     * dead letters stay dead, and exactly-once queues remember the keys still in their window.
     * Then the log is rewritten compact and opened.
     */
    public void recover(java.nio.file.Path dataDir) throws IOException {
        if (dataDir == null) return;
        java.nio.file.Path file = dataDir.resolve("ipc").resolve("queues.log");
        List<ObjectNode> records = new ArrayList<>();
        Journal.read(file, r -> records.add((ObjectNode) k.json.readTree(r)));
        java.util.Map<String, ObjectNode> creates = new java.util.LinkedHashMap<>();
        java.util.Map<String, java.util.LinkedHashMap<Long, ObjectNode>> live = new java.util.HashMap<>();
        java.util.Map<String, java.util.LinkedHashMap<Long, ObjectNode>> dead = new java.util.HashMap<>();
        java.util.Map<String, java.util.LinkedHashMap<String, long[]>> doneKeys = new java.util.HashMap<>();
        for (ObjectNode r : records) {
            String q = r.path("q").asText();
            long id = r.path("id").asLong();
            switch (r.path("t").asText()) {
                case "create" -> {
                    // a create for a queue the log already has comes from a snapshot taken while it was
                    // being created: the queue and its messages stay
                    if (creates.putIfAbsent(q, r) == null) {
                        live.put(q, new java.util.LinkedHashMap<>());
                        dead.put(q, new java.util.LinkedHashMap<>());
                        doneKeys.put(q, new java.util.LinkedHashMap<>());
                    }
                }
                case "delete" -> {
                    creates.remove(q);
                    live.remove(q);
                    dead.remove(q);
                    doneKeys.remove(q);
                }
                case "send" -> {
                    if (r.hasNonNull("call") && r.has("ids")) {
                        long[] sent = new long[r.get("ids").size()];
                        for (int i = 0; i < sent.length; i++) sent[i] = r.get("ids").get(i).asLong();
                        synchronized (sentByCall) {
                            sentByCall.put(r.get("call").asText(), sent);
                        }
                    }
                    if (!live.containsKey(q)) break;
                    if (r.has("m")) {
                        for (JsonNode m : r.get("m")) live.get(q).put(m.path("id").asLong(), (ObjectNode) m);
                    } else {
                        live.get(q).put(id, r);
                    }
                }
                case "done" -> {
                    if (!live.containsKey(q)) break;
                    long window = creates.get(q).path("dedupWindowMs").asLong(600_000);
                    for (JsonNode each : r.has("ids") ? r.get("ids") : k.json.createArrayNode().add(id)) {
                        long done = each.asLong();
                        ObjectNode m = live.get(q).remove(done);
                        if (m == null) m = dead.get(q).remove(done);
                        if (m != null && m.hasNonNull("key")) {
                            doneKeys.get(q).put(m.get("key").asText(), new long[] {done, m.path("at").asLong() + window});
                        }
                    }
                }
                case "key" -> {
                    if (doneKeys.containsKey(q)) doneKeys.get(q).put(r.path("key").asText(), new long[] {id, r.path("until").asLong()});
                }
                case "dead" -> {
                    ObjectNode m = live.containsKey(q) ? live.get(q).remove(id) : null;
                    if (m != null) dead.get(q).put(id, m);
                }
                case "redrive" -> {
                    ObjectNode m = dead.containsKey(q) ? dead.get(q).remove(id) : null;
                    if (m != null) live.get(q).put(id, m);
                }
                default -> LOG.warn("queue log {}: unknown record {}", file, r);
            }
        }
        long now = k.hal.currentTimeMillis();
        int messages = 0;
        for (var e : creates.entrySet()) {
            ObjectNode c = e.getValue();
            QueueSpec spec = QueueSpec.builder(e.getKey()).delivery(Delivery.parse(c.path("delivery").asText("at-least-once")))
                    .capacity(c.path("capacity").asInt(1024)).visibilityMillis(c.path("visibilityMs").asLong(30_000))
                    .maxDeliveries(c.path("maxDeliveries").asInt(5)).dedupWindowMillis(c.path("dedupWindowMs").asLong(600_000))
                    .priorities(c.path("priorities").asBoolean(false)).members(members(c)).durable(true).build();
            MessageQueue q = ipc.newQueue(spec, c.path("owner").asText("root"), 0);
            q.idsFrom(c.path("next").asLong(1)); // ids never repeat, not even those of acked messages
            // keys of acked messages first, in window order: the queue expires keys in insertion order
            doneKeys.get(e.getKey()).entrySet().stream().filter(k -> k.getValue()[1] > now)
                    .sorted(Comparator.comparingLong(k -> k.getValue()[1]))
                    .forEach(k -> q.restoreKey(k.getKey(), k.getValue()[0], k.getValue()[1]));
            for (ObjectNode m : live.get(e.getKey()).values()) { // in log order: the order they joined the queue
                MessageQueue.Msg back = restore(q, m);
                q.hold(back.bytes);
                q.addReady(back, now);
                messages++;
            }
            for (ObjectNode m : dead.get(e.getKey()).values()) {
                MessageQueue.Msg back = restore(q, m);
                q.hold(back.bytes);
                q.bury(back);
            }
            q.journal = journalOf(q);
            ipc.put(q);
        }
        Journal.Snapshot snapshot = out -> {
            for (byte[] r : snapshotRecords()) out.add(r);
        };
        Journal.rewrite(file, snapshot);
        log = Journal.open(file, compactAboveBytes, snapshot);
        if (!creates.isEmpty()) {
            LOG.info("restored {} durable queues with {} messages from {}", creates.size(), messages, file);
        }
    }

    /**
     * What the queue log must hold for the durable queues as they are now: per queue its create
     * record, the sends of its ready and in-flight messages, its dead letters, and the keys of
     * acked messages still in their dedup window. Sends still waiting for their commit are left
     * out: their records follow in the log.
     */
    List<byte[]> snapshotRecords() {
        List<byte[]> out = new ArrayList<>();
        long now = k.hal.currentTimeMillis();
        for (MessageQueue q : ipc.all()) {
            if (!q.spec.durable()) continue;
            List<MessageQueue.Msg> live = new ArrayList<>();
            List<MessageQueue.Msg> deadLetters = new ArrayList<>();
            java.util.Map<String, long[]> keys = new java.util.LinkedHashMap<>();
            long nextId;
            synchronized (q) {
                if (q.deleted) continue;
                q.snapshot(live, deadLetters, keys, now);
                nextId = q.nextId();
            }
            out.add(bytes(createRecord(q.spec, q.owner).put("next", nextId)));
            // in send records of the same shape as a send's, a bounded number of messages each
            for (int i = 0; i < live.size(); i += Ipc.MAX_BATCH) {
                out.add(sendRecord(q, live.subList(i, Math.min(live.size(), i + Ipc.MAX_BATCH))));
            }
            for (int i = 0; i < deadLetters.size(); i += Ipc.MAX_BATCH) {
                out.add(sendRecord(q, deadLetters.subList(i, Math.min(deadLetters.size(), i + Ipc.MAX_BATCH))));
            }
            for (MessageQueue.Msg m : deadLetters) {
                out.add(bytes(k.json.createObjectNode().put("t", "dead").put("q", q.name).put("id", m.id)));
            }
            for (var key : keys.entrySet()) {
                out.add(bytes(k.json.createObjectNode().put("t", "key").put("q", q.name).put("key", key.getKey())
                        .put("id", key.getValue()[0]).put("until", key.getValue()[1])));
            }
        }
        return out;
    }

    private static MessageQueue.Msg restore(MessageQueue q, ObjectNode m) {
        return q.restored(m.path("id").asLong(), m.path("from").asLong(), m.get("payload"), m.path("prio").asInt(0),
                m.hasNonNull("key") ? m.get("key").asText() : null, m.hasNonNull("corr") ? m.get("corr").asText() : null,
                m.hasNonNull("reply") ? m.get("reply").asText() : null, m.path("at").asLong());
    }

    /** How often the queue log was compacted while running (0 without one). */
    public long logCompactions() {
        Journal journal = log;
        return journal == null ? 0 : journal.compactions();
    }

    /** Writes what the queue log has queued and closes it (kernel stop). */
    public void close() {
        Journal journal = log;
        log = null;
        if (journal != null) journal.close();
    }
}
