package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * The calls processes of other nodes make on this node's queues (cluster): checked here as a
 * local process's are (the capability among those the caller holds, the queue's owner and
 * members, the owner's bytes), run on the same queue with the same guarantees, and never
 * waiting: a full or empty queue answers {@code EAGAIN} and the caller's node asks again, so
 * no thread and no waiter here belongs to a process that is not here. A receiver elsewhere has
 * its messages in flight under its pid (pids are unique in the cluster); if it dies, they come
 * back after the queue's visibility timeout.
 */
final class CallsFromOtherNodes {
    private final Ipc ipc;

    CallsFromOtherNodes(Ipc ipc) {
        this.ipc = ipc;
    }

    CompletionStage<SyscallResult> call(RemoteCaller caller, String call, JsonNode args) {
        try {
            String name = args.path("queue").asText("");
            if (name.isEmpty() || name.startsWith("@")) {
                throw new SyscallException(Errno.EINVAL, "a call from another node names a queue; mailboxes are reached on their own node");
            }
            CapabilitySet caps = CapabilitySet.of(caller.capabilities());
            MessageQueue q = ipc.queue(name);
            return switch (call) {
                case "ipc.send" -> {
                    mayReach(caller, caps, q, "ipc:send:" + name);
                    yield send(caller, q, args);
                }
                case "ipc.recv" -> {
                    mayReach(caller, caps, q, "ipc:recv:" + name);
                    yield recv(caller, q, Math.max(1, Math.min(Ipc.MAX_BATCH, args.path("max").asInt(1))));
                }
                case "ipc.ack" -> CompletableFuture.completedFuture(ipc.receiving.ack(caller.pid(), name, ids(args)));
                case "ipc.nack" -> CompletableFuture.completedFuture(ipc.receiving.nack(caller.pid(), name, ids(args),
                        args.path("requeue").asBoolean(true)));
                default -> throw new SyscallException(Errno.ENOSYS, "'" + call + "' is not a queue call another node may make here");
            };
        } catch (SyscallException e) {
            return CompletableFuture.completedFuture(SyscallResult.error(e));
        }
    }

    /** The checks {@link Receiving#recv} and {@link Sending#mayReach} make for a local process, refusals audited here. */
    private void mayReach(RemoteCaller c, CapabilitySet caps, MessageQueue q, String capability) throws SyscallException {
        String refused = null;
        if (!caps.permits(capability)) {
            refused = "needs capability '" + capability + "', which pid " + c.pid() + " of node " + c.node() + " does not hold";
        } else if (!Sending.reaches(c.owner(), caps, q)) {
            refused = "queue '" + q.name + "' belongs to owner " + q.owner + ", which has not made " + c.owner() + " a member (pid "
                    + c.pid() + " of node " + c.node() + ")";
        }
        if (refused == null) return;
        ipc.kernel.auditEvent("ipc.refused", c.owner(), refused);
        throw new SyscallException(Errno.EPERM, refused);
    }

    private CompletionStage<SyscallResult> send(RemoteCaller c, MessageQueue q, JsonNode args) throws SyscallException {
        List<Ipc.Outgoing> batch = Ipc.Outgoing.batchOf(args);
        for (Ipc.Outgoing o : batch) {
            if (o.replyTo() != null || o.correlationId() != null) {
                throw new SyscallException(Errno.EINVAL, "replyTo and correlationId do not cross nodes: a reply goes to a mailbox, "
                        + "which is its own node's (send a reply queue's name in the payload)");
            }
        }
        Sending.fits(q, batch);
        long now = ipc.kernel.hal.currentTimeMillis();
        ObjectNode r = ipc.kernel.json.createObjectNode();
        synchronized (q) {
            if (q.deleted) throw new SyscallException(Errno.ENOENT, "no queue '" + q.name + "'");
            // senders waiting here came first
            if (q.senders.isEmpty()) {
                if (q.spec.durable()) {
                    List<MessageQueue.Msg> fresh = ipc.accept(q, c.pid(), batch, now, r, true);
                    if (fresh != null) {
                        CompletableFuture<SyscallResult> done = new CompletableFuture<>();
                        ipc.sending.commit(q, fresh, err -> done.complete(err != null ? err : SyscallResult.ok(r)));
                        return done;
                    }
                } else if (ipc.sending.tryEnqueue(q, c.pid(), batch, now, r)) {
                    return CompletableFuture.completedFuture(SyscallResult.ok(r));
                }
            }
            throw new SyscallException(Errno.EAGAIN, "queue '" + q.name + "' is full (" + q.held() + " of " + q.spec.capacity() + ")");
        }
    }

    private CompletionStage<SyscallResult> recv(RemoteCaller c, MessageQueue q, int max) throws SyscallException {
        long now = ipc.kernel.hal.currentTimeMillis();
        synchronized (q) {
            if (q.deleted) throw new SyscallException(Errno.ENOENT, "no queue '" + q.name + "'");
            List<MessageQueue.Msg> got = q.receivers.isEmpty() ? ipc.receiving.pollFor(q, c.pid(), null, max, null, now) : List.of();
            if (got.isEmpty()) throw new SyscallException(Errno.EAGAIN, "queue '" + q.name + "' is empty");
            ipc.sending.admitSenders(q, now);
            SyscallResult r = SyscallResult.ok(ipc.receiving.received(q, got));
            if (QueueLog.takenOnDisk(q)) {
                // durable at-most-once: off the queue on disk before they leave this node
                CompletableFuture<SyscallResult> done = new CompletableFuture<>();
                ipc.queueLog.journalDone(q, QueueLog.ids(got), failure -> done.complete(r));
                return done;
            }
            return CompletableFuture.completedFuture(r);
        }
    }

    private static List<Long> ids(JsonNode args) throws SyscallException {
        JsonNode ids = args.path("ids");
        if (!ids.isArray() || ids.isEmpty() || ids.size() > Ipc.MAX_BATCH) {
            throw new SyscallException(Errno.EINVAL, "ids: 1 to " + Ipc.MAX_BATCH + " message ids");
        }
        List<Long> out = new ArrayList<>(ids.size());
        for (JsonNode n : ids) out.add(n.asLong());
        return out;
    }
}
