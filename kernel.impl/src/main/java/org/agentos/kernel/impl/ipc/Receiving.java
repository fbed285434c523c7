package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.ipc.Ipc.Outgoing;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The receive path of the queues: ipc.recv (at once, or the receiver waits in turn for the
 * next message), acknowledgement (ipc.ack, ipc.nack: redelivery, dead letters) and
 * request/reply (ipc.request).
 */
public final class Receiving {
    private final Kernel k;
    private final Ipc ipc;

    Receiving(Kernel k, Ipc ipc) {
        this.k = k;
        this.ipc = ipc;
    }

    /**
     * Receives up to {@code max} messages from {@code name} (null: the caller's mailbox), waiting
     * at most {@code timeoutMs} for the first (-1: no limit; 0: EAGAIN at once). Returns the
     * result, or null when the caller is now BLOCKED.
     */
    public SyscallResult recv(Proc p, String name, int max, long timeoutMs) throws SyscallException {
        MessageQueue q;
        if (name == null || name.equals(ipc.mailboxName(p.pid))) {
            q = ipc.mailbox(p);
        } else {
            if (name.startsWith("@")) throw new SyscallException(Errno.EPERM, "only process " + name.substring(1) + " receives from " + name);
            mayReceive(p, name);
            q = ipc.queue(name);
            ipc.sending.mayReach(p, q);
        }
        return ipc.take(p, q, max, null, timeoutMs, "ipc.recv " + q.name);
    }

    /** EPERM unless {@code p} holds {@code ipc:recv:<name>} (its queue here or on another node). */
    public static void mayReceive(Proc p, String name) throws SyscallException {
        if (!p.caps.permits("ipc:recv:" + name)) {
            throw new SyscallException(Errno.EPERM, "ipc.recv needs capability 'ipc:recv:" + name + "', which pid " + p.pid + " does not hold");
        }
    }

    /** Takes up to max messages for p (one correlated reply, when asked for); holds q. */
    List<MessageQueue.Msg> pollFor(MessageQueue q, Proc p, int max, String correlationId, long now) {
        return pollFor(q, p.pid, p, max, correlationId, now);
    }

    /** As above for receiver {@code pid}, a process of this node ({@code local}) or of another (null). */
    List<MessageQueue.Msg> pollFor(MessageQueue q, long pid, Proc local, int max, String correlationId, long now) {
        List<MessageQueue.Msg> got = new ArrayList<>(Math.min(max, q.readyCount()));
        while (got.size() < max) {
            MessageQueue.Msg m = q.poll(correlationId);
            if (m == null) break;
            q.deliver(m, pid, now);
            got.add(m);
            if (correlationId != null) break;
        }
        if (q.spec.delivery() == Delivery.AT_MOST_ONCE) ipc.sending.releaseDelivered(q, got);
        else if (!got.isEmpty() && local != null) noteReceivedFrom(local, q);
        return got;
    }

    static void noteReceivedFrom(Proc p, MessageQueue q) {
        synchronized (p) {
            if (p.ipcReceivedFrom == null) p.ipcReceivedFrom = ConcurrentHashMap.newKeySet(2);
            p.ipcReceivedFrom.add(q);
        }
    }

    /** Hands ready messages to waiting receivers, in the order they came; holds q. */
    void serveReceivers(MessageQueue q, long now) {
        for (var it = q.receivers.iterator(); it.hasNext() && q.readyCount() > 0; ) {
            MessageQueue.Waiter w = it.next();
            List<MessageQueue.Msg> got = new ArrayList<>(Math.min(w.max, q.readyCount()));
            while (got.size() < w.max) {
                MessageQueue.Msg m = q.poll(w.correlationId);
                if (m == null) break;
                got.add(m);
                if (w.correlationId != null) break;
            }
            if (got.isEmpty()) continue; // a request waiting for another reply
            it.remove();
            ipc.cancelTimer(w);
            for (int i = 0, n = got.size(); i < n; i++) q.deliver(got.get(i), w.proc.pid, now);
            if (q.spec.delivery() == Delivery.AT_MOST_ONCE) ipc.sending.releaseDelivered(q, got);
            if (QueueLog.takenOnDisk(q)) {
                // durable at-most-once: gone from the queue on disk before the receiver sees them; a
                // receiver killed meanwhile loses them, which at-most-once allows
                SyscallResult r = SyscallResult.ok(received(q, got));
                ipc.queueLog.journalDone(q, QueueLog.ids(got), failure -> k.parked.completeIf(w.proc, w, r));
                continue;
            }
            if (!k.parked.completeIf(w.proc, w, SyscallResult.ok(received(q, got)))) {
                // It ended (or was interrupted) meanwhile: these messages were never received.
                for (int i = got.size() - 1; i >= 0; i--) {
                    MessageQueue.Msg m = got.get(i);
                    q.inFlight.remove(m.id);
                    if (q.spec.delivery() == Delivery.AT_MOST_ONCE) q.hold(m.bytes); // its delivery let it go
                    m.attempts--;
                    q.delivered--;
                    q.requeueOrBury(m);
                }
            } else if (q.spec.delivery() != Delivery.AT_MOST_ONCE) {
                noteReceivedFrom(w.proc, q);
            }
        }
    }

    /** {messages: [...]}, each message built by hand: reflection-based mapping costs more than the rest of a receive. */
    ObjectNode received(MessageQueue q, List<MessageQueue.Msg> got) {
        ObjectNode r = k.json.createObjectNode();
        var nodes = k.json.getNodeFactory();
        int n = got.size();
        ArrayNode arr = new ArrayNode(nodes, n);
        for (int i = 0; i < n; i++) arr.add(new ObjectNode(nodes, new ReceivedMessage(got.get(i))));
        r.set("messages", arr);
        if (!got.isEmpty()) r.put("queue", q.name);
        return r;
    }

    /** Acks messages p received from {@code name}: they are done. Returns {acked, stale: [ids not in flight for p]}. */
    public SyscallResult ack(Proc p, String name, List<Long> ids) throws SyscallException {
        return ack(p.pid, name, ids);
    }

    /** As above, for receiver {@code pid} (of this node or another). */
    SyscallResult ack(long pid, String name, List<Long> ids) throws SyscallException {
        MessageQueue q = ipc.queue(name);
        ObjectNode r = k.json.createObjectNode();
        ArrayNode stale = r.putArray("stale");
        int acked = 0;
        long freed = 0;
        List<Long> done = new ArrayList<>();
        synchronized (q) {
            if (q.spec.delivery() == Delivery.AT_MOST_ONCE) {
                throw new SyscallException(Errno.EINVAL, "queue '" + name + "' is at-most-once: nothing to ack");
            }
            for (long id : ids) {
                MessageQueue.Msg m = q.inFlight.get(id);
                if (m == null || m.receiver != pid) {
                    stale.add(id);
                    continue;
                }
                q.inFlight.remove(id);
                freed += m.bytes;
                q.acked++;
                acked++;
                if (q.journal != null) done.add(id);
            }
            q.hold(-freed);
            if (!done.isEmpty()) ipc.queueLog.journalDone(q, done, null);
            if (acked > 0) ipc.sending.admitSenders(q, k.hal.currentTimeMillis());
        }
        r.put("acked", acked);
        return SyscallResult.ok(r);
    }

    /** Gives messages back: delivered again (requeue), or straight to the dead-letter queue. */
    public SyscallResult nack(Proc p, String name, List<Long> ids, boolean requeue) throws SyscallException {
        return nack(p.pid, name, ids, requeue);
    }

    /** As above, for receiver {@code pid} (of this node or another). */
    SyscallResult nack(long pid, String name, List<Long> ids, boolean requeue) throws SyscallException {
        MessageQueue q = ipc.queue(name);
        ObjectNode r = k.json.createObjectNode();
        ArrayNode stale = r.putArray("stale");
        int back = 0;
        int buried = 0;
        long now = k.hal.currentTimeMillis();
        synchronized (q) {
            if (q.spec.delivery() == Delivery.AT_MOST_ONCE) {
                throw new SyscallException(Errno.EINVAL, "queue '" + name + "' is at-most-once: nothing to nack");
            }
            for (long id : ids) {
                MessageQueue.Msg m = q.inFlight.get(id);
                if (m == null || m.receiver != pid) {
                    stale.add(id);
                    continue;
                }
                q.inFlight.remove(id);
                if (requeue && q.requeueOrBury(m)) back++;
                else {
                    if (!requeue) q.bury(m);
                    buried++;
                }
            }
            serveReceivers(q, now);
            ipc.sending.admitSenders(q, now);
        }
        r.put("requeued", back).put("deadLettered", buried);
        return SyscallResult.ok(r);
    }

    /**
     * Request/reply: sends {@code payload} with a fresh correlation id and the caller's mailbox as
     * reply-to, then waits in the mailbox for the reply carrying that id (other mail stays).
     */
    public SyscallResult request(Proc p, String name, JsonNode payload, String key, long timeoutMs) throws SyscallException {
        // random, not req-<pid>-<n>: a correlation id lets a reply into the mailbox, so it must not be guessable
        String correlationId = "req-" + Long.toUnsignedString(ipc.IDS.nextLong(), 36) + Long.toUnsignedString(ipc.IDS.nextLong(), 36);
        MessageQueue box = ipc.mailbox(p);
        if (ipc.openRequests.size() >= ipc.MAX_OPEN_REQUESTS) ipc.openRequests.clear(); // unanswered requests are forgotten, not hoarded
        ipc.openRequests.put(correlationId, box.name);
        SyscallResult sent;
        try {
            sent = ipc.sending.send(p, name, List.of(new Outgoing(payload, 0, key, correlationId, box.name)), 0, false);
        } catch (SyscallException e) {
            ipc.openRequests.remove(correlationId);
            throw e;
        }
        if (sent == null) {
            ipc.openRequests.remove(correlationId);
            throw new SyscallException(Errno.EAGAIN, "queue '" + name + "' is full");
        }
        return ipc.take(p, box, 1, correlationId, timeoutMs, "ipc.request " + name + " (waiting for the reply)");
    }
}
