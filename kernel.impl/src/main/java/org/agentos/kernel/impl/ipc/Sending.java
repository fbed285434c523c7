package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.journal.Journal;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.ipc.Ipc.Outgoing;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The send path of the queues (ipc.send, and an operator's send): access, room, then the
 * messages join the queue at once, or (durable) once the queue log has them on disk, or the
 * sender waits for room (a full queue, in the order senders came), at most its timeout.
 */
public final class Sending {
    private final Kernel k;
    private final Ipc ipc;

    Sending(Kernel k, Ipc ipc) {
        this.k = k;
        this.ipc = ipc;
    }

    /**
     * Sends {@code batch} to {@code name}: all of it, in order, or (on a full queue) waits until
     * all of it fits, at most {@code timeoutMs} (-1: no limit; 0: EAGAIN at once). Returns the
     * result, or null when the caller is now BLOCKED. {@code fromOutside}: made as {@code p} from
     * outside its program, which waits for a durable commit on its own thread.
     */
    public SyscallResult send(Proc p, String name, List<Outgoing> batch, long timeoutMs, boolean fromOutside) throws SyscallException {
        MessageQueue q = ipc.target(name);
        mayReach(p, q);
        mayWrite(p, q, batch);
        fits(q, batch);
        // a durable send made again after a crash (its result never reached the process): answered, not sent twice
        String callId = fromOutside || !q.spec.durable() ? null : org.agentos.kernel.impl.syscall.CallJournaling.callId(p);
        long[] sentBefore = callId == null ? null : ipc.queueLog.sentBy(callId);
        if (sentBefore != null) {
            ObjectNode r = k.json.createObjectNode();
            r.set("ids", new com.fasterxml.jackson.databind.node.ArrayNode(k.json.getNodeFactory(), new IdList(sentBefore, sentBefore.length)));
            return SyscallResult.ok(r);
        }
        long now = k.hal.currentTimeMillis();
        MessageQueue.Waiter w;
        java.util.concurrent.CompletableFuture<SyscallResult> outside = null;
        synchronized (q) {
            if (q.deleted) throw new SyscallException(Errno.ENOENT, "no queue '" + name + "'");
            if (q.senders.isEmpty()) {
                ObjectNode r = k.json.createObjectNode();
                if (q.spec.durable()) {
                    List<MessageQueue.Msg> fresh = ipc.accept(q, p.pid, batch, now, r, true);
                    if (fresh != null && fromOutside) {
                        // made through the gateway: the calling thread waits for the commit, not the process
                        java.util.concurrent.CompletableFuture<SyscallResult> done = new java.util.concurrent.CompletableFuture<>();
                        commit(q, fresh, err -> done.complete(err != null ? err : SyscallResult.ok(r)));
                        outside = done;
                    } else if (fresh != null) {
                        // Acknowledged once on disk: the sender waits (BLOCKED, no thread) for the group commit.
                        MessageQueue.Waiter w0 = new MessageQueue.Waiter(p, 0, null, null);
                        ipc.block(p, w0, "ipc.send " + name + " (commit)");
                        commit(q, fresh, callId, r, err -> k.parked.completeIf(p, w0, err != null ? err : SyscallResult.ok(r)));
                        return null;
                    }
                } else if (tryEnqueue(q, p.pid, batch, now, r)) {
                    return SyscallResult.ok(r);
                }
            }
            if (outside == null && timeoutMs == 0) {
                throw new SyscallException(Errno.EAGAIN, "queue '" + name + "' is full (" + q.held() + " of " + q.spec.capacity() + ")");
            }
            if (outside != null) {
                w = null;
            } else {
                List<MessageQueue.Msg> msgs = new ArrayList<>(batch.size());
                for (Outgoing o : batch) {
                    msgs.add(q.newMessage(p.pid, o.payload(), o.bytes(), o.priority(), o.key(), o.correlationId(), o.replyTo(), now));
                }
                w = new MessageQueue.Waiter(p, 0, msgs, null);
                ipc.block(p, w, "ipc.send " + name + " (full)");
                q.senders.addLast(w);
            }
        }
        if (outside != null) {
            try {
                return outside.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyscallException(Errno.EINTR, "interrupted while the send was being written (it may still be sent)");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new SyscallException(Errno.EIO, "the send failed: " + e.getCause());
            }
        }
        ipc.arm(q, w, timeoutMs, Errno.ETIMEDOUT, "queue '" + name + "' stayed full for " + timeoutMs + " ms");
        return null;
    }

    /**
     * A queue is its owner's: another owner's process sends to it or receives from it only as one
     * of the members its creator named, or with ipc:admin. A capability names a queue, not whose it
     * is, so without this a squatted name or an {@code ipc:send:*} reaches another tenant's queue.
     * Mailboxes have their own rule ({@link #mayWrite}); ack and nack touch only what the caller received.
     */
    static void mayReach(Proc p, MessageQueue q) throws SyscallException {
        if (q.mailboxOf != 0 || reaches(p.owner, p.caps, q)) return;
        throw new SyscallException(Errno.EPERM, "queue '" + q.name + "' belongs to owner " + q.owner + ", which has not made "
                + p.owner + " a member (pid " + p.pid + ")");
    }

    /** Whether a process of {@code owner} holding {@code caps} may use named queue {@code q} (the rule above). */
    static boolean reaches(String owner, org.agentos.kernel.api.security.CapabilitySet caps, MessageQueue q) {
        return q.owner.equals(owner) || q.spec.members().contains(owner) || caps.permits("ipc:admin");
    }

    /** EINVAL/ENOSPC unless {@code batch} can ever go into {@code q}: each message's size, the owner's bytes, the capacity. */
    static void fits(MessageQueue q, List<Outgoing> batch) throws SyscallException {
        Ipc.roomFor(q, batch);
        if (batch.size() > q.spec.capacity()) {
            throw new SyscallException(Errno.EINVAL, batch.size() + " messages can never fit queue '" + q.name
                    + "' of capacity " + q.spec.capacity());
        }
    }

    /**
     * A mailbox is its process's: another owner writes into it only an answer to a request that
     * process made (the reply carries the request's correlation id, which the kernel chose), or
     * with {@value #ipc.MAILBOX_ANY}. A replyTo names the sender's own mailbox: replies go to who asked.
     */
    void mayWrite(Proc p, MessageQueue q, List<Outgoing> batch) throws SyscallException {
        for (Outgoing o : batch) {
            if (o.replyTo() != null && !o.replyTo().equals(ipc.mailboxName(p.pid))) {
                throw new SyscallException(Errno.EINVAL, "replyTo names the sender's own mailbox (" + ipc.mailboxName(p.pid)
                        + "), not '" + o.replyTo() + "': replies go to who asked");
            }
        }
        if (q.mailboxOf == 0 || q.mailboxOf == p.pid || q.owner.equals(p.owner) || p.caps.permits(ipc.MAILBOX_ANY)) return;
        for (Outgoing o : batch) {
            String to = o.correlationId() == null ? null : ipc.openRequests.get(o.correlationId());
            if (!q.name.equals(to)) {
                throw new SyscallException(Errno.EPERM, "mailbox " + q.name + " belongs to another owner's process: a process "
                        + "writes there only replies to its requests (their correlationId), or with capability " + ipc.MAILBOX_ANY);
            }
        }
        for (Outgoing o : batch) ipc.openRequests.remove(o.correlationId(), q.name); // one reply per request
    }

    /** At-most-once messages are gone once delivered: their bytes are given back, once for the batch. Holds q. */
    static void releaseDelivered(MessageQueue q, List<MessageQueue.Msg> got) {
        long bytes = 0;
        for (int i = 0, n = got.size(); i < n; i++) bytes += got.get(i).bytes;
        q.hold(-bytes);
    }

    /** Enqueues the batch if it fits (nothing if it does not), filling {@code result}; holds q. */
    boolean tryEnqueue(MessageQueue q, long from, List<Outgoing> batch, long now, ObjectNode result) {
        if (ipc.accept(q, from, batch, now, result, false) == null) return false;
        ipc.receiving.serveReceivers(q, now);
        return true;
    }

    /**
     * Writes the messages to the queue log; once they are on disk (the log thread's callback) they
     * join the queue and {@code then} gets null: the sender learns its send happened. When the
     * write failed they never join, their capacity and keys are given back, and {@code then} gets
     * the EIO to report.
     */
    void commit(MessageQueue q, List<MessageQueue.Msg> msgs, java.util.function.Consumer<SyscallResult> then) {
        commit(q, msgs, null, null, then);
    }

    /** As above, for call {@code callId} of a process, whose result {@code result} the record keeps (QueueLog.sentBy). */
    void commit(MessageQueue q, List<MessageQueue.Msg> msgs, String callId, ObjectNode result,
                java.util.function.Consumer<SyscallResult> then) {
        Journal journal = ipc.queueLog.journal();
        if (msgs.isEmpty()) {
            then.accept(null);
            return;
        }
        if (journal == null) { // the kernel stopped meanwhile
            unreserve(q, msgs);
            then.accept(SyscallResult.error(Errno.EIO, "the queue log is closed: the kernel is stopping"));
            return;
        }
        byte[] record = ipc.queueLog.sendRecord(q, msgs, callId, result == null ? null : result.get("ids"));
        if (record.length > Journal.MAX_RECORD) {
            unreserve(q, msgs);
            then.accept(SyscallResult.error(Errno.EINVAL, "a durable send of " + record.length + " bytes: at most "
                    + Journal.MAX_RECORD + " bytes go to disk in one call (send a smaller batch)"));
            return;
        }
        journal.append(record, failure -> {
            if (failure != null) {
                unreserve(q, msgs);
                then.accept(SyscallResult.error(Errno.EIO, "the queue log cannot be written: " + failure.getMessage()));
                return;
            }
            long now = k.hal.currentTimeMillis();
            // the cluster's copy is asked for before a receiver can see them, so that its ack comes after
            org.agentos.kernel.api.cluster.QueueMirror mirror = ipc.mirror();
            java.util.concurrent.CompletionStage<Void> mirrored = null;
            if (mirror != null) {
                List<org.agentos.kernel.api.ipc.Message> copies = new ArrayList<>(msgs.size());
                for (MessageQueue.Msg x : msgs) copies.add(x.view(q.name));
                mirrored = mirror.sent(q.name, copies);
            }
            synchronized (q) {
                q.reserved -= msgs.size();
                for (MessageQueue.Msg x : msgs) q.reservedIds.remove(x.id);
                if (!q.deleted) {
                    long added = 0;
                    for (MessageQueue.Msg x : msgs) {
                        q.sent++;
                        added += x.bytes;
                        q.addReady(x, now);
                    }
                    q.hold(added);
                    ipc.receiving.serveReceivers(q, now);
                }
            }
            if (mirrored == null) {
                then.accept(null);
                return;
            }
            // acknowledged once the cluster has them too; on this node's disk they are in any case
            mirrored.whenComplete((v, failure2) -> {
                if (failure2 != null) Ipc.LOG.warn("queue {}: {} message(s) on this node's disk only, not in the cluster: {}", q.name,
                        msgs.size(), failure2.toString());
                then.accept(null);
            });
        });
    }

    void unreserve(MessageQueue q, List<MessageQueue.Msg> msgs) {
        synchronized (q) {
            q.reserved -= msgs.size();
            for (MessageQueue.Msg x : msgs) {
                q.reservedIds.remove(x.id);
                q.forgetKey(x);
            }
            admitSenders(q, k.hal.currentTimeMillis());
        }
    }

    /** Lets waiting senders in, first come first served, while their batches fit; holds q. */
    void admitSenders(MessageQueue q, long now) {
        while (!q.senders.isEmpty()) {
            MessageQueue.Waiter w = q.senders.peekFirst();
            int fresh = 0;
            for (MessageQueue.Msg m : w.sending) {
                if (q.duplicateOf(m.key, now) < 0) fresh++;
            }
            if (fresh > q.free()) return;
            q.senders.pollFirst();
            ipc.cancelTimer(w);
            ObjectNode r = k.json.createObjectNode();
            if (q.spec.durable()) {
                List<Outgoing> again = new ArrayList<>();
                for (MessageQueue.Msg m : w.sending) {
                    again.add(new Outgoing(m.payload, m.bytes, m.priority, m.key, m.correlationId, m.replyTo));
                }
                List<MessageQueue.Msg> reserved = ipc.accept(q, w.proc.pid, again, now, r, true);
                commit(q, reserved == null ? List.of() : reserved,
                        err -> k.parked.completeIf(w.proc, w, err != null ? err : SyscallResult.ok(r)));
                continue;
            }
            ArrayNode ids = r.putArray("ids");
            ArrayNode dups = r.putArray("duplicates");
            List<MessageQueue.Msg> accepted = new ArrayList<>();
            for (MessageQueue.Msg m : w.sending) {
                long dup = q.duplicateOf(m.key, now);
                if (dup >= 0) {
                    dups.addObject().put("key", m.key).put("id", dup);
                    ids.add(dup);
                } else {
                    accepted.add(m);
                    ids.add(m.id);
                }
            }
            // The sender learns its send happened in the same step as the messages enter the queue:
            // a sender killed while waiting sends nothing.
            if (k.parked.completeIf(w.proc, w, SyscallResult.ok(r))) {
                q.duplicates += w.sending.size() - accepted.size();
                long added = 0;
                for (MessageQueue.Msg m : accepted) {
                    q.sent++;
                    added += m.bytes;
                    q.addReady(m, now);
                }
                q.hold(added);
            }
        }
        ipc.receiving.serveReceivers(q, now);
    }
}
