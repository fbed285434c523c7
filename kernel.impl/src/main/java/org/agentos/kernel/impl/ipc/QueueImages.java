package org.agentos.kernel.impl.ipc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.journal.Journal;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The queues' side of agent images: what a cut takes (a mailbox, the named queues of a group, the
 * messages an agent holds unacked) and how a restore puts messages back, ids kept, so that a
 * restored receiver's ack by id works.
 */
public final class QueueImages {
    private final Ipc ipc;

    QueueImages(Ipc ipc) {
        this.ipc = ipc;
    }

    /** The messages waiting in the mailbox of {@code pid}, in the order they would be received. */
    public List<Message> mailbox(long pid) {
        MessageQueue box = ipc.queues.get(Ipc.mailboxName(pid));
        if (box == null) return List.of();
        synchronized (box) {
            return box.deleted ? List.of() : box.peek(Integer.MAX_VALUE);
        }
    }

    /**
     * Fills the mailbox of {@code p}, a process restored from an image, with the messages its image
     * holds, their ids and order kept. More than a mailbox takes is {@code EINVAL}.
     */
    public void restoreMailbox(Proc p, List<Message> messages) throws SyscallException {
        if (messages.isEmpty()) return;
        if (messages.size() > Ipc.MAILBOX_CAPACITY) {
            throw new SyscallException(Errno.EINVAL, "the image's mailbox holds " + messages.size()
                    + " messages; a mailbox takes " + Ipc.MAILBOX_CAPACITY);
        }
        putBack(ipc.mailbox(p), messages, false, m -> null);
    }

    /**
     * Whether {@code token}, what a process is blocked on, is a plain receive that nothing was
     * handed to yet: it may be taken back and made again later (a cut of the process).
     */
    public static boolean isPlainReceive(Object token) {
        // max 0: a wait for the disk (a durable send's commit, a durable at-most-once receive), not for a message
        return token instanceof MessageQueue.Waiter w && w.max > 0 && w.sending == null && w.correlationId == null;
    }

    /**
     * The named queues (not mailboxes) of {@code owners} that a process with {@code caps} may send
     * to or receive from: those a group image takes with its members.
     */
    public List<String> usable(Collection<String> owners, Collection<CapabilitySet> caps) {
        List<String> out = new ArrayList<>();
        for (MessageQueue q : ipc.queues.values()) {
            if (q.mailboxOf != 0 || q.deleted || !owners.contains(q.owner)) continue;
            for (CapabilitySet c : caps) {
                if (c.permits("ipc:send:" + q.name) || c.permits("ipc:recv:" + q.name)) {
                    out.add(q.name);
                    break;
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Named queue {@code name} for a group image: its messages in line; those in flight to one of
     * {@code members} with that member's pid, those in flight to anyone else as waiting.
     */
    public QueueImage of(String name, Set<Long> members) throws SyscallException {
        MessageQueue q = ipc.queue(name);
        synchronized (q) {
            return imageLocked(q, m -> true, members);
        }
    }

    /** The messages {@code p} received from named queues and has not acked, a {@code QueueImage} per queue. */
    public List<QueueImage> heldBy(Proc p) {
        Set<MessageQueue> from;
        synchronized (p) {
            from = p.ipcReceivedFrom == null ? Set.of() : Set.copyOf(p.ipcReceivedFrom);
        }
        List<QueueImage> out = new ArrayList<>();
        for (MessageQueue q : from) {
            if (q.mailboxOf != 0) continue;
            synchronized (q) {
                if (q.deleted) continue;
                QueueImage held = imageLocked(q, m -> q.inFlight.get(m.id) == m && m.receiver == p.pid, Set.of(p.pid));
                if (!held.messages().isEmpty()) out.add(held);
            }
        }
        out.sort(Comparator.comparing(x -> x.spec().name()));
        return out;
    }

    /** The messages of q that {@code take} accepts, in line, with the member each in flight to a member is held by. Holds q. */
    private static QueueImage imageLocked(MessageQueue q, java.util.function.Predicate<MessageQueue.Msg> take, Set<Long> members) {
        List<Message> messages = new ArrayList<>();
        Map<Long, Long> heldBy = new HashMap<>();
        for (MessageQueue.Msg m : q.liveInLine()) {
            if (!take.test(m)) continue;
            messages.add(m.view(q.name));
            if (q.inFlight.get(m.id) == m && members.contains(m.receiver)) heldBy.put(m.id, m.receiver);
        }
        return new QueueImage(q.spec, q.owner, messages, heldBy);
    }

    /**
     * Makes a queue from a group image: created (EEXIST when one of that name is here), its messages
     * put back in line, those held by a member in flight to that member's restored process
     * {@code receivers} (old pid to process).
     */
    public void restoreQueue(QueueImage image, Map<Long, Proc> receivers) throws SyscallException {
        if (image.spec().name().startsWith("@")) throw new SyscallException(Errno.EINVAL, "a mailbox is no named queue");
        if (image.messages().size() > image.spec().capacity()) {
            throw new SyscallException(Errno.EINVAL, "queue '" + image.spec().name() + "' of the image holds " + image.messages().size()
                    + " messages, more than its capacity " + image.spec().capacity());
        }
        for (Message m : image.messages()) {
            if (Ipc.sizeOf(m.payload()) > Ipc.MAX_MESSAGE_BYTES) {
                throw new SyscallException(Errno.EINVAL, "message " + m.id() + " of queue '" + image.spec().name() + "' is larger than "
                        + Ipc.MAX_MESSAGE_BYTES + " bytes");
            }
        }
        ipc.create(image.spec(), image.owner());
        putBack(ipc.queue(image.spec().name()), image.messages(), false, m -> {
            Long held = image.heldBy().get(m.id());
            return held == null ? null : receivers.get(held);
        });
    }

    /**
     * Puts messages an image's agent held in flight to {@code p}, its restored copy, in their queues
     * here: those whose queue is not here, or that has a message of that id, stay where they are.
     */
    public int restoreHeld(Proc p, List<QueueImage> held) throws SyscallException {
        int put = 0;
        for (QueueImage image : held) {
            MessageQueue q = ipc.queues.get(image.spec().name());
            if (q == null || q.mailboxOf != 0) continue;
            put += putBack(q, image.messages(), true, m -> p);
        }
        return put;
    }

    /**
     * Makes an image's messages q's again, ids kept: on its log first when it is durable, then in
     * line, each in flight to the process {@code receiverOf} names (not at-most-once) or waiting.
     * {@code onlyMissing}: only those q has no message of that id for, room for, and that are not
     * too large; the rest stay where they are. Returns how many were put back.
     */
    private int putBack(MessageQueue q, List<Message> messages, boolean onlyMissing, Function<Message, Proc> receiverOf)
            throws SyscallException {
        List<MessageQueue.Msg> msgs = new ArrayList<>();
        List<Message> taken = new ArrayList<>();
        synchronized (q) {
            if (q.deleted) return 0;
            Set<Long> present = new HashSet<>();
            if (onlyMissing) for (MessageQueue.Msg m : q.liveInLine()) present.add(m.id);
            for (Message m : messages) {
                if (onlyMissing && (present.contains(m.id()) || q.free() - msgs.size() < 1
                        || Ipc.sizeOf(m.payload()) > Ipc.MAX_MESSAGE_BYTES)) continue;
                msgs.add(q.restored(m.id(), m.from(), m.payload(), m.priority(), m.key(), m.correlationId(), m.replyTo(),
                        m.sentMillis()));
                taken.add(m);
            }
        }
        if (msgs.isEmpty()) return 0;
        Journal journal = ipc.queueLog.journal();
        if (q.journal != null && journal != null) { // outside q's lock: the disk is waited for
            try {
                journal.appendAndWait(ipc.queueLog.sendRecord(q, msgs));
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, "the queue log cannot be written: " + e.getMessage(), e);
            }
        }
        long now = ipc.kernel.hal.currentTimeMillis();
        Set<Proc> receivers = new LinkedHashSet<>();
        synchronized (q) {
            long bytes = 0;
            for (int i = 0; i < msgs.size(); i++) {
                MessageQueue.Msg msg = msgs.get(i);
                Message m = taken.get(i);
                bytes += msg.bytes;
                Proc to = receiverOf.apply(m);
                if (to != null && q.spec.delivery() != Delivery.AT_MOST_ONCE) {
                    msg.attempts = Math.max(0, m.attempts() - 1);
                    q.deliver(msg, to.pid, now); // in flight to its restored receiver, which may ack it by its id
                    receivers.add(to);
                } else {
                    msg.attempts = m.attempts();
                    q.addReady(msg, now);
                }
            }
            q.hold(bytes);
            ipc.receiving.serveReceivers(q, now);
        }
        for (Proc to : receivers) Receiving.noteReceivedFrom(to, q);
        return msgs.size();
    }
}
