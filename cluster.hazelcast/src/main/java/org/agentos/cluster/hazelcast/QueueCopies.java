package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.cluster.QueueMirror;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's durable queues kept in the cluster as well as on its disk: each queue's spec and
 * owner, and each message until it is done, in maps with a backup on another member. A send is
 * acknowledged once its messages are there too. When the node is lost, the oldest member makes
 * each of its durable queues again from the copy (every message that was not done, ready), and
 * callers find the queue there as they find any queue. A node that comes back drops its own copy
 * of a queue taken over meanwhile; one decision per queue, as for agents.
 */
final class QueueCopies implements QueueMirror {
    private static final Logger LOG = LoggerFactory.getLogger(QueueCopies.class);
    /** Durable queues by name: {"node", "owner", "spec"}. */
    static final String QUEUES = "agentos.durable-queues";
    /** Their messages not done yet, by "queue/id", as JSON. */
    static final String MESSAGES = "agentos.durable-messages";
    /** Queues taken over (value: the node that holds them now) or kept by their node as it came back ("kept:node"). */
    static final String TAKEN = "agentos.taken-queues";

    private final String here;
    private final Supplier<HazelcastInstance> member;
    private final Supplier<MessageQueues> queues;
    private final Supplier<AuditLog> audit;
    /** The durable queues this node holds in the cluster's eyes: only their changes are written. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    QueueCopies(String here, Supplier<HazelcastInstance> member, Supplier<MessageQueues> queues, Supplier<AuditLog> audit) {
        this.here = here;
        this.member = member;
        this.queues = queues;
        this.audit = audit;
    }

    // ------------------------------------------------------------------ what the kernel tells

    @Override
    public void created(QueueSpec spec, String owner) {
        HazelcastInstance m = member.get();
        if (m == null) return;
        try {
            m.<String, String>getMap(QUEUES).set(spec.name(), entry(spec, owner));
            held.add(spec.name());
        } catch (RuntimeException e) {
            LOG.warn("durable queue {} is not kept in the cluster: {}", spec.name(), e.toString());
        }
    }

    @Override
    public void deleted(String queue) {
        HazelcastInstance m = member.get();
        if (m == null || !held.remove(queue)) return; // a copy this node dropped, or held by another node now
        try {
            m.getMap(QUEUES).delete(queue);
            IMap<String, String> messages = m.getMap(MESSAGES);
            for (String key : messages.keySet()) {
                if (key.startsWith(queue + "/")) messages.delete(key);
            }
        } catch (RuntimeException e) {
            LOG.warn("the cluster's copy of deleted queue {} stays: {}", queue, e.toString());
        }
    }

    @Override
    public CompletionStage<Void> sent(String queue, List<Message> messages) {
        HazelcastInstance m = member.get();
        if (m == null || !held.contains(queue)) return CompletableFuture.completedFuture(null);
        try {
            Map<String, String> copies = new HashMap<>();
            for (Message msg : messages) copies.put(queue + "/" + msg.id(), RemoteRequests.JSON.writeValueAsString(msg));
            return m.<String, String>getMap(MESSAGES).putAllAsync(copies);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void done(String queue, List<Long> ids) {
        HazelcastInstance m = member.get();
        if (m == null || !held.contains(queue)) return;
        try {
            IMap<String, String> messages = m.getMap(MESSAGES);
            for (long id : ids) messages.removeAsync(queue + "/" + id);
        } catch (RuntimeException e) {
            LOG.warn("queue {}: done messages stay in the cluster's copy (they come back if this node is lost): {}", queue, e.toString());
        }
    }

    // ------------------------------------------------------------------ this node (re)joining

    /**
     * This node joined (false: its kernel is not bound yet): each durable queue it holds is dropped if another node took it over
     * while this one was away, and otherwise kept in the cluster from now on (its ready messages
     * written again: the copy may be gone with a whole cluster's restart).
     */
    boolean joined(List<String> said) {
        HazelcastInstance m = member.get();
        MessageQueues mq = queues.get();
        if (m == null || mq == null) return false; // the kernel is not bound yet: the next round
        IMap<String, String> taken = m.getMap(TAKEN);
        for (QueueStats q : mq.queues()) {
            if (!q.durable() || q.name().startsWith("@")) continue;
            String before = taken.putIfAbsent(q.name(), "kept:" + here, Replicas.KEPT_SECONDS, TimeUnit.SECONDS);
            try {
                if (before == null || before.equals("kept:" + here)) {
                    IMap<String, String> all = m.getMap(QUEUES);
                    String kept = all.get(q.name());
                    if (kept != null && here.equals(RemoteRequests.JSON.readTree(kept).path("node").asText())) {
                        ObjectNode entry = (ObjectNode) RemoteRequests.JSON.readTree(kept);
                        entry.remove("stopped");
                        all.set(q.name(), entry.toString());
                        held.add(q.name()); // the cluster's copy is as this node left it
                    } else {
                        created(specOf(q), q.owner()); // the copy went with a whole cluster's restart
                    }
                    sent(q.name(), mq.peek(q.name(), q.capacity())).toCompletableFuture().get(30, TimeUnit.SECONDS);
                } else {
                    mq.delete(q.name()); // not held here in the cluster's eyes: the copy it uses stays
                    String line = "durable queue " + q.name() + " dropped here: node " + before + " holds it (taken over while this node was away)";
                    said.add(line);
                    record("cluster.fenced", line);
                }
            } catch (SyscallException | IOException | RuntimeException | java.util.concurrent.ExecutionException
                     | java.util.concurrent.TimeoutException e) {
                LOG.warn("durable queue {}: {}", q.name(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return true;
    }

    /**
     * This node stops in order: its durable queues are marked stopped, so that nobody takes them
     * over (it restores them from its disk when it starts again); their copies stay.
     */
    void withdraw(HazelcastInstance m) {
        IMap<String, String> all = m.getMap(QUEUES);
        for (String name : held) {
            try {
                String kept = all.get(name);
                if (kept == null) continue;
                ObjectNode entry = (ObjectNode) RemoteRequests.JSON.readTree(kept);
                all.set(name, entry.put("stopped", true).toString());
            } catch (IOException | RuntimeException e) {
                LOG.warn("durable queue {} may be taken over while this node is stopped: {}", name, e.toString());
            }
        }
        held.clear();
    }

    // ------------------------------------------------------------------ takeover

    /** On the oldest member: the durable queues of nodes not in the cluster made again here from their copies. */
    void sweep(HazelcastInstance m) {
        MessageQueues mq = queues.get();
        if (!MemberConfig.oldest(m) || mq == null) return;
        Set<String> present = MemberConfig.nodeNames(m);
        IMap<String, String> all = m.getMap(QUEUES);
        for (Map.Entry<String, String> e : all.entrySet()) {
            try {
                JsonNode entry = RemoteRequests.JSON.readTree(e.getValue());
                String node = entry.path("node").asText();
                if (present.contains(node) || entry.path("stopped").asBoolean(false)) continue;
                takeOver(m, mq, e.getKey(), node, entry);
            } catch (IOException | RuntimeException ex) {
                LOG.warn("durable queue {} of a lost node not taken over yet: {}", e.getKey(), ex.toString());
            }
        }
    }

    private void takeOver(HazelcastInstance m, MessageQueues mq, String name, String lostNode, JsonNode entry) throws IOException {
        IMap<String, String> taken = m.getMap(TAKEN);
        String before = taken.get(name);
        if (before != null && before.startsWith("kept:")) return; // its node came back and kept it
        List<Message> messages = new ArrayList<>();
        IMap<String, String> copies = m.getMap(MESSAGES);
        for (Map.Entry<String, String> c : copies.entrySet()) {
            if (c.getKey().startsWith(name + "/")) messages.add(RemoteRequests.JSON.readValue(c.getValue(), Message.class));
        }
        messages.sort(Comparator.comparingLong(Message::id));
        QueueSpec spec = specFrom(entry.path("spec"));
        try {
            taken.set(name, here, Replicas.TAKEN_DAYS, TimeUnit.DAYS);
            mq.restore(new QueueImage(spec, entry.path("owner").asText(), messages, null)); // created() makes this node its holder
            String said = "durable queue " + name + " of node " + lostNode + " now held by node " + here + " with " + messages.size()
                    + " message(s) not done";
            LOG.info("cluster: {}", said);
            record("cluster.takeover", said);
        } catch (SyscallException e) {
            taken.remove(name, here);
            LOG.warn("cluster: durable queue {} of node {} not taken over: {}: {}", name, lostNode, e.errno(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ specs as JSON

    private String entry(QueueSpec spec, String owner) {
        ObjectNode n = RemoteRequests.JSON.createObjectNode().put("node", here).put("owner", owner);
        ObjectNode s = n.putObject("spec").put("name", spec.name()).put("delivery", spec.delivery().label())
                .put("capacity", spec.capacity()).put("visibilityMillis", spec.visibilityMillis())
                .put("maxDeliveries", spec.maxDeliveries()).put("dedupWindowMillis", spec.dedupWindowMillis())
                .put("priorities", spec.priorities());
        var members = s.putArray("members");
        spec.members().forEach(members::add);
        return n.toString();
    }

    static QueueSpec specFrom(JsonNode s) {
        List<String> members = new ArrayList<>();
        s.path("members").forEach(x -> members.add(x.asText()));
        return QueueSpec.builder(s.path("name").asText()).delivery(Delivery.parse(s.path("delivery").asText("at-least-once")))
                .capacity(s.path("capacity").asInt(1024)).visibilityMillis(s.path("visibilityMillis").asLong(30_000))
                .maxDeliveries(s.path("maxDeliveries").asInt(5)).dedupWindowMillis(s.path("dedupWindowMillis").asLong(600_000))
                .priorities(s.path("priorities").asBoolean(false)).durable(true).members(members).build();
    }

    private static QueueSpec specOf(QueueStats q) {
        // what QueueStats does not carry keeps the defaults: a restored holder's own copy has them all
        return QueueSpec.builder(q.name()).delivery(q.delivery()).capacity(q.capacity()).durable(true).members(List.copyOf(q.members()))
                .build();
    }

    private void record(String name, String detail) {
        AuditLog log = audit.get();
        if (log != null) log.record(name, "ok", Replicas.SYSTEM.name(), detail);
    }
}
