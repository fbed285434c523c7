package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.cluster.QueueMirror;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.journal.Journal;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Inter-process communication: named queues and per-process mailboxes, with the delivery
 * guarantee each queue was created with, bounded with back-pressure. A process that must wait
 * (a full queue, an empty one, a request's reply) is BLOCKED and holds no thread: it is a
 * {@link MessageQueue.Waiter} on the queue until a message, space, its timeout, a kill or a
 * terminate request ends the wait. Lock order: a queue's monitor, then a process's.
 */
public final class Ipc implements MessageQueues {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Ipc.class);
    /** Capacity of a process's mailbox (at-most-once). */
    static final int MAILBOX_CAPACITY = 1024;
    public static final int MAX_BATCH = 1000;
    static final long SWEEP_MILLIS = 50;

    final Kernel kernel;
    final ConcurrentHashMap<String, MessageQueue> queues = new ConcurrentHashMap<>();
    /**
     * Requests in flight (ipc.request): correlation id -> the requester's mailbox. A reply to that
     * mailbox with that id may cross owners; the id is random, so a reply cannot be forged.
     */
    final ConcurrentHashMap<String, String> openRequests = new ConcurrentHashMap<>();
    static final int MAX_OPEN_REQUESTS = 100_000;
    /** What a process needs to write into the mailbox of another owner's process, other than a reply. */
    static final String MAILBOX_ANY = "ipc:mailbox:any";
    static final java.security.SecureRandom IDS = new java.security.SecureRandom();
    /** Durable queues are created one at a time (see create). */
    final Object creating = new Object();

    /** The queue log of the durable queues. */
    final QueueLog queueLog;
    /** ipc.send, and an operator's send. */
    public final Sending sending;
    /** ipc.recv, ipc.ack, ipc.nack, ipc.request. */
    public final Receiving receiving;
    /** Queues and mailboxes in agent images. */
    public final QueueImages images = new QueueImages(this);
    /** Events for agents (ipc.subscribe). */
    public final Events events;
    /** This node's processes' calls on queues other nodes hold (cluster). */
    public final CallsToOtherNodes elsewhere;
    /** Other nodes' processes' calls on this node's queues (cluster). */
    private final CallsFromOtherNodes fromElsewhere = new CallsFromOtherNodes(this);
    /** Where durable queues are kept beside this node's disk (the cluster bundle, when installed). */
    private volatile java.util.function.Supplier<QueueMirror> mirror = () -> null;

    public Ipc(Kernel kernel) {
        this.kernel = kernel;
        this.queueLog = new QueueLog(kernel, this);
        this.events = new Events(kernel, this);
        this.sending = new Sending(kernel, this);
        this.receiving = new Receiving(kernel, this);
        this.elsewhere = new CallsToOtherNodes(kernel, this);
    }

    /** Where durable queues are kept in the cluster as well (the cluster bundle, when installed). */
    public void setMirror(java.util.function.Supplier<QueueMirror> mirror) {
        this.mirror = mirror;
    }

    /** The cluster's copy of the durable queues, or null. */
    QueueMirror mirror() {
        return mirror.get();
    }

    static String mailboxName(long pid) {
        return "@" + pid;
    }

    /** Redelivers messages whose visibility timeout passed, every {@value #SWEEP_MILLIS} ms. */
    public void start() {
        try {
            kernel.timers.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the kernel is stopping
        }
    }

    void sweep() {
        long now = kernel.hal.currentTimeMillis();
        for (MessageQueue q : queues.values()) {
            synchronized (q) {
                q.measure(now);
                if (q.inFlight.isEmpty()) continue;
                int before = q.dead.size();
                if (q.expire(now)) receiving.serveReceivers(q, now);
                if (q.dead.size() != before || q.free() > 0) sending.admitSenders(q, now);
            }
        }
    }

    // ------------------------------------------------------------------ lookup and access

    /** Bytes held by each owner's queues and mailboxes together: what {@link #MAX_BYTES_PER_OWNER} limits. */
    final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> heldBytes = new ConcurrentHashMap<>();

    /** A new queue of {@code owner}'s, counting what it holds with the owner's other queues. */
    MessageQueue newQueue(QueueSpec spec, String owner, long mailboxOf) {
        MessageQueue q = new MessageQueue(spec, owner, mailboxOf);
        q.ownerBytes = heldBytes.computeIfAbsent(owner, o -> new java.util.concurrent.atomic.AtomicLong());
        return q;
    }

    /** Bytes {@code owner}'s queues and mailboxes hold now. */
    public long heldBytesOf(String owner) {
        java.util.concurrent.atomic.AtomicLong b = heldBytes.get(owner);
        return b == null ? 0 : b.get();
    }

    /**
     * EINVAL for a message over {@value #MAX_MESSAGE_BYTES} bytes; ENOSPC when {@code batch} would take
     * the bytes {@code q}'s owner's queues hold past {@value #MAX_BYTES_PER_OWNER}: one tenant's
     * queues (filled by anyone) cannot take the heap. Checked as a send starts; a sender that then
     * waits for room may take them a batch past it.
     */
    static void roomFor(MessageQueue q, List<Outgoing> batch) throws SyscallException {
        long bytes = 0;
        for (int i = 0, n = batch.size(); i < n; i++) {
            long b = batch.get(i).bytes();
            if (b > MAX_MESSAGE_BYTES) {
                throw new SyscallException(Errno.EINVAL, "a message of " + b + " bytes: at most " + MAX_MESSAGE_BYTES
                        + " bytes go in one message (put large data in a file or memory and send its name)");
            }
            bytes += b;
        }
        long held = q.ownerBytes.get();
        if (held + bytes > MAX_BYTES_PER_OWNER) {
            throw new SyscallException(Errno.ENOSPC, "the queues of owner " + q.owner + " hold " + held + " bytes; " + bytes
                    + " more would pass the " + MAX_BYTES_PER_OWNER + " one owner's queues may hold (receive or delete some)");
        }
    }

    MessageQueue queue(String name) throws SyscallException {
        MessageQueue q = queues.get(name);
        if (q == null) throw new SyscallException(Errno.ENOENT, "no queue '" + name + "'");
        return q;
    }

    /** The caller's own mailbox, created on first use. */
    public MessageQueue mailbox(Proc p) {
        return queues.computeIfAbsent(mailboxName(p.pid), n -> newQueue(
                QueueSpec.builder("mailbox").delivery(Delivery.AT_MOST_ONCE).capacity(MAILBOX_CAPACITY).build(), p.owner, p.pid));
    }

    /** The queue {@code name}; a mailbox {@code @pid} of a live process is created on demand. */
    MessageQueue target(String name) throws SyscallException {
        MessageQueue q = queues.get(name);
        if (q != null) return q;
        if (name.startsWith("@")) {
            long pid;
            try {
                pid = Long.parseLong(name.substring(1));
            } catch (NumberFormatException e) {
                throw new SyscallException(Errno.EINVAL, "a mailbox is @<pid>, not '" + name + "'");
            }
            Proc p = kernel.procs.get(pid);
            if (p == null || p.state.isTerminal()) throw new SyscallException(Errno.ESRCH, "no process " + pid + " to receive at " + name);
            return mailbox(p);
        }
        throw new SyscallException(Errno.ENOENT, "no queue '" + name + "'");
    }

    // ------------------------------------------------------------------ create / delete

    public QueueStats create(Proc p, QueueSpec spec) throws SyscallException {
        return create(spec, p.owner);
    }

    @Override
    public QueueStats create(QueueSpec spec, String owner) throws SyscallException {
        Journal journal = queueLog.journal();
        if (spec.durable() && journal == null) {
            throw new SyscallException(Errno.EINVAL, "durable queues need the kernel's data directory (this kernel keeps no state)");
        }
        MessageQueue q = newQueue(spec, owner, 0);
        if (!spec.durable()) {
            synchronized (creating) { // creations take turns: two cannot both fit the owner's budget
                withinBudget(spec, owner);
                if (queues.putIfAbsent(spec.name(), q) != null) throw new SyscallException(Errno.EEXIST, "queue '" + spec.name() + "' exists");
            }
        } else {
            // The create record goes to disk before anyone can send to the queue, so that no send
            // record precedes it in the log; creations take turns for that.
            synchronized (creating) {
                withinBudget(spec, owner);
                if (queues.containsKey(spec.name())) throw new SyscallException(Errno.EEXIST, "queue '" + spec.name() + "' exists");
                q.journal = queueLog.journalOf(q);
                try {
                    journal.appendAndWait(queueLog.bytes(queueLog.createRecord(spec, owner)));
                } catch (IOException e) {
                    throw new SyscallException(Errno.EIO, "the queue log cannot be written: " + e.getMessage(), e);
                }
                if (queues.putIfAbsent(spec.name(), q) != null) {
                    // a mailbox or an in-memory queue took the name meanwhile: the log must forget this one
                    journal.append(queueLog.bytes(kernel.json.createObjectNode().put("t", "delete").put("q", spec.name())), null);
                    throw new SyscallException(Errno.EEXIST, "queue '" + spec.name() + "' exists");
                }
            }
        }
        kernel.auditEvent("ipc.create", owner, spec.name() + " (" + spec.delivery().label() + ", capacity " + spec.capacity() + ")");
        QueueMirror m = spec.durable() ? mirror() : null;
        if (m != null) m.created(spec, owner);
        return q.stats();
    }

    /** Most queues one owner may hold (mailboxes aside). */
    public static final int MAX_QUEUES_PER_OWNER = 256;
    /** Most messages one owner's queues may hold together: the sum of their capacities. */
    static final long MAX_CAPACITY_PER_OWNER = 1_000_000;
    /** Most bytes one owner's queues and mailboxes hold together (payloads as JSON). */
    public static final long MAX_BYTES_PER_OWNER = 256L << 20;
    /** Most bytes of one message's payload. */
    public static final long MAX_MESSAGE_BYTES = 1L << 20;

    /**
     * EQUOTA when {@code owner} already holds {@value #MAX_QUEUES_PER_OWNER} queues, or the new
     * queue's capacity would take its queues' capacities past {@value #MAX_CAPACITY_PER_OWNER}: a
     * tenant cannot make the kernel hold more than that for it (one queue of capacity 10 million,
     * filled, took most of the heap). Holds {@code creating}, so that two creates cannot both fit.
     */
    void withinBudget(QueueSpec spec, String owner) throws SyscallException {
        int count = 0;
        long capacity = spec.capacity();
        for (MessageQueue q : queues.values()) {
            if (q.mailboxOf != 0 || q.deleted || !q.owner.equals(owner)) continue;
            count++;
            capacity += q.spec.capacity();
        }
        if (count >= MAX_QUEUES_PER_OWNER) {
            throw new SyscallException(Errno.EQUOTA, "owner " + owner + " holds " + count + " queues, the most one owner may");
        }
        if (capacity > MAX_CAPACITY_PER_OWNER) {
            throw new SyscallException(Errno.EQUOTA, "queue '" + spec.name() + "' of capacity " + spec.capacity()
                    + " would take owner " + owner + "'s queues to " + capacity + " messages; one owner's queues hold at most "
                    + MAX_CAPACITY_PER_OWNER + " together");
        }
    }

    /** Deletes a queue the caller's owner created (or any, with ipc:admin). */
    public void delete(Proc p, String name) throws SyscallException {
        MessageQueue q = queue(name);
        if (q.mailboxOf != 0) throw new SyscallException(Errno.EPERM, "a mailbox goes with its process");
        if (!q.owner.equals(p.owner) && !p.caps.permits("ipc:admin")) {
            throw new SyscallException(Errno.EPERM, "queue '" + name + "' belongs to " + q.owner + " (deleting it needs ipc:admin)");
        }
        remove(q, "deleted");
    }

    @Override
    public void delete(String name) throws SyscallException {
        MessageQueue q = queue(name);
        if (q.mailboxOf != 0) throw new SyscallException(Errno.EPERM, "a mailbox goes with its process");
        remove(q, "deleted");
    }

    void remove(MessageQueue q, String why) {
        List<MessageQueue.Waiter> waiting = new ArrayList<>();
        synchronized (q) {
            if (q.deleted) return;
            q.deleted = true;
            queues.remove(q.name, q);
            waiting.addAll(q.receivers);
            waiting.addAll(q.senders);
            q.receivers.clear();
            q.senders.clear();
            q.clear();
        }
        for (MessageQueue.Waiter w : waiting) {
            cancelTimer(w);
            kernel.parked.completeIf(w.proc, w, SyscallResult.error(Errno.ENOENT, "queue '" + q.name + "' was " + why));
        }
        if (q.mailboxOf == 0) kernel.auditEvent("ipc.delete", q.owner, q.name);
        Journal journal = queueLog.journal();
        if (q.spec.durable() && journal != null) journal.append(queueLog.bytes(kernel.json.createObjectNode().put("t", "delete").put("q", q.name)), null);
        QueueMirror m = q.spec.durable() && q.mailboxOf == 0 ? mirror() : null;
        if (m != null) m.deleted(q.name);
    }

    /** A process ended: its mailbox goes, and what it received but did not ack is delivered again at once. */
    public void processEnded(Proc p) {
        events.forget(p);
        MessageQueue box = queues.get(mailboxName(p.pid));
        if (box != null) remove(box, "removed: its process ended");
        Set<MessageQueue> from;
        synchronized (p) {
            from = p.ipcReceivedFrom;
            p.ipcReceivedFrom = null;
        }
        if (from == null) return;
        long now = kernel.hal.currentTimeMillis();
        for (MessageQueue q : from) {
            synchronized (q) {
                boolean any = false;
                for (var it = q.inFlight.values().iterator(); it.hasNext(); ) {
                    MessageQueue.Msg m = it.next();
                    if (m.receiver != p.pid) continue;
                    it.remove();
                    any |= q.requeueOrBury(m);
                }
                if (any) receiving.serveReceivers(q, now);
                sending.admitSenders(q, now);
            }
        }
    }

    // ------------------------------------------------------------------ send

    /** One message to send. */
    public record Outgoing(JsonNode payload, long bytes, int priority, String key, String correlationId, String replyTo) {
        public Outgoing(JsonNode payload, int priority, String key, String correlationId, String replyTo) {
            this(payload, sizeOf(payload), priority, key, correlationId, replyTo);
        }

        /** The messages of ipc.send's arguments: {@code payload} (one) or {@code messages} (a batch). */
        public static List<Outgoing> batchOf(JsonNode args) throws SyscallException {
            JsonNode messages = args.get("messages");
            if (messages == null) return List.of(of(args));
            if (args.has("payload") || args.has("key") || args.has("priority")) {
                throw new SyscallException(Errno.EINVAL, "give payload (one message) or messages (a batch), not both");
            }
            int n = messages.size();
            List<Outgoing> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) batch.add(of(messages.get(i)));
            return batch;
        }

        /** One message of ipc.send's arguments (the fields of the call that are not the message's own are passed over). */
        static Outgoing of(JsonNode m) {
            JsonNode payload = com.fasterxml.jackson.databind.node.NullNode.instance;
            int priority = 0;
            String key = null;
            String correlationId = null;
            String replyTo = null;
            for (var it = m.fields(); it.hasNext(); ) {
                var f = it.next();
                JsonNode v = f.getValue();
                switch (f.getKey()) {
                    case "payload" -> payload = v;
                    case "priority" -> priority = v.asInt(0);
                    case "key" -> key = v.isNull() ? null : v.asText();
                    case "correlationId" -> correlationId = v.isNull() ? null : v.asText();
                    case "replyTo" -> replyTo = v.isNull() ? null : v.asText();
                    default -> { } // queue, timeoutMs, messages: not the message's own
                }
            }
            return new Outgoing(payload, priority, key, correlationId, replyTo);
        }
    }

    /** The bytes a payload takes as JSON (what a send is charged). */
    public static long sizeOf(JsonNode payload) {
        if (payload == null || payload.isNull() || payload.isMissingNode()) return 4;
        if (payload.isTextual()) return payload.textValue().length() + 2L;
        return payload.toString().length();
    }

    /**
     * Takes the batch if its new messages fit, filling {@code result} with their ids and the
     * duplicates dropped; null (nothing taken) when they do not fit. In memory the messages are
     * ready at once (the list returned is empty); {@code onDisk} they only hold capacity and
     * their keys until their commit, and are returned for it. Holds q.
     */
    List<MessageQueue.Msg> accept(MessageQueue q, long from, List<Outgoing> batch, long now, ObjectNode result,
                                          boolean onDisk) {
        int size = batch.size(); // batches are random-access lists: indexed loops, no iterators
        int fresh = size;
        if (q.spec.delivery() == Delivery.EXACTLY_ONCE) {
            for (int i = 0; i < size; i++) {
                if (q.duplicateOf(batch.get(i).key(), now) >= 0) fresh--;
            }
        }
        if (fresh > q.free()) return null;
        long[] ids = new long[size];
        int n = 0;
        ArrayNode dups = kernel.json.createArrayNode();
        List<MessageQueue.Msg> pending = onDisk ? new ArrayList<>(fresh) : List.of();
        long added = 0;
        for (int i = 0; i < size; i++) {
            Outgoing o = batch.get(i);
            long dup = q.duplicateOf(o.key(), now);
            if (dup >= 0) {
                q.duplicates++;
                dups.addObject().put("key", o.key()).put("id", dup);
                ids[n++] = dup;
                continue;
            }
            MessageQueue.Msg m = q.newMessage(from, o.payload(), o.bytes(), o.priority(), o.key(), o.correlationId(), o.replyTo(), now);
            if (onDisk) {
                q.rememberKey(m, now); // a repeat sent during the commit is a duplicate too
                q.reservedIds.add(m.id);
                pending.add(m);
            } else {
                q.sent++;
                added += m.bytes;
                q.addReady(m, now);
            }
            ids[n++] = m.id;
        }
        q.hold(added);
        q.reserved += pending.size();
        result.set("ids", new ArrayNode(kernel.json.getNodeFactory(), new IdList(ids, n)));
        result.set("duplicates", dups);
        return pending;
    }

    // ------------------------------------------------------------------ receive

    SyscallResult take(Proc p, MessageQueue q, int max, String correlationId, long timeoutMs, String what)
            throws SyscallException {
        long now = kernel.hal.currentTimeMillis();
        MessageQueue.Waiter w;
        synchronized (q) {
            if (q.deleted) throw new SyscallException(Errno.ENOENT, "no queue '" + q.name + "'");
            if (q.receivers.isEmpty() || correlationId != null) {
                List<MessageQueue.Msg> got = receiving.pollFor(q, p, max, correlationId, now);
                if (!got.isEmpty()) {
                    sending.admitSenders(q, now);
                    if (QueueLog.takenOnDisk(q)) {
                        // durable at-most-once: the messages leave the queue on disk before the receiver sees them
                        MessageQueue.Waiter w0 = new MessageQueue.Waiter(p, 0, null, null);
                        block(p, w0, what + " (commit)");
                        SyscallResult r = SyscallResult.ok(receiving.received(q, got));
                        queueLog.journalDone(q, QueueLog.ids(got), failure -> kernel.parked.completeIf(p, w0, r));
                        return null;
                    }
                    return SyscallResult.ok(receiving.received(q, got));
                }
            }
            if (timeoutMs == 0) throw new SyscallException(Errno.EAGAIN, "queue '" + q.name + "' is empty");
            w = new MessageQueue.Waiter(p, max, null, correlationId);
            block(p, w, what);
            q.receivers.addLast(w);
        }
        arm(q, w, timeoutMs, Errno.ETIMEDOUT, correlationId != null ? "no reply within " + timeoutMs + " ms"
                : "nothing arrived in '" + q.name + "' within " + timeoutMs + " ms");
        return null;
    }

    // ------------------------------------------------------------------ ack / nack / request

    // ------------------------------------------------------------------ waiting

    /** Marks p BLOCKED on w; a kill or terminate cancels w, which takes it off its queue. Holds q. */
    void block(Proc p, MessageQueue.Waiter w, String what) {
        synchronized (p) {
            p.blockedOn = w;
            p.cancelCall = w;
            kernel.parked.blockLocked(p, what);
        }
    }

    /** Arms w's timeout, and its cancellation (kill, terminate) to take it off q. */
    void arm(MessageQueue q, MessageQueue.Waiter w, long timeoutMs, Errno errno, String message) {
        w.whenComplete((v, ex) -> {
            if (ex instanceof CancellationException) {
                synchronized (q) {
                    q.receivers.remove(w);
                    q.senders.remove(w);
                }
                cancelTimer(w);
            }
        });
        if (timeoutMs < 0) return;
        try {
            setTimer(w, kernel.timers.schedule(() -> {
                boolean mine;
                synchronized (q) {
                    mine = q.receivers.remove(w) | q.senders.remove(w);
                }
                if (mine) kernel.parked.completeIf(w.proc, w, SyscallResult.error(errno, message));
            }, timeoutMs, TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException stopping) {
            // the kernel is stopping: the checkpoint keeps the call, the restart makes it again
        }
    }

    static void cancelTimer(MessageQueue.Waiter w) {
        java.util.concurrent.ScheduledFuture<?> t;
        synchronized (w) {
            t = w.timer;
        }
        if (t != null) t.cancel(false);
    }

    static void setTimer(MessageQueue.Waiter w, java.util.concurrent.ScheduledFuture<?> t) {
        synchronized (w) {
            w.timer = t;
        }
    }

    // ------------------------------------------------------------------ events and notifications

    /**
     * Puts a kernel notification (an event, a child's exit) in the mailbox of {@code pid}, if that
     * process has one. Never blocks the kernel: a full mailbox drops it and counts the drop.
     */
    public void notify(long pid, JsonNode payload) {
        MessageQueue box = queues.get(mailboxName(pid));
        if (box == null) return;
        long now = kernel.hal.currentTimeMillis();
        synchronized (box) {
            if (box.deleted) return;
            long bytes = sizeOf(payload);
            if (box.free() < 1 || box.ownerBytes.get() + bytes > MAX_BYTES_PER_OWNER) {
                box.dropped++;
                return;
            }
            MessageQueue.Msg m = box.newMessage(0, payload, bytes, 0, null, null, null, now);
            box.sent++;
            box.hold(bytes);
            box.addReady(m, now);
            receiving.serveReceivers(box, now);
        }
    }

    // ------------------------------------------------------------------ MessageQueues (operators)

    @Override
    public List<QueueStats> queues() {
        List<QueueStats> out = new ArrayList<>();
        for (MessageQueue q : queues.values()) {
            synchronized (q) {
                out.add(q.stats());
            }
        }
        out.sort(Comparator.comparing(QueueStats::name));
        return out;
    }

    @Override
    public Optional<QueueStats> stats(String name) {
        MessageQueue q = queues.get(name);
        if (q == null) return Optional.empty();
        synchronized (q) {
            return Optional.of(q.stats());
        }
    }

    @Override
    public List<Message> peek(String name, int max) throws SyscallException {
        MessageQueue q = queue(name);
        synchronized (q) {
            return q.peek(Math.max(0, max));
        }
    }

    @Override
    public List<Message> deadLetters(String name, int max) throws SyscallException {
        MessageQueue q = queue(name);
        List<Message> out = new ArrayList<>();
        synchronized (q) {
            for (MessageQueue.Msg m : q.dead) {
                if (out.size() >= max) break;
                out.add(m.view(q.name));
            }
        }
        return out;
    }

    @Override
    public int redrive(String name, int max) throws SyscallException {
        MessageQueue q = queue(name);
        int moved = 0;
        long now = kernel.hal.currentTimeMillis();
        synchronized (q) {
            while (moved < max && !q.dead.isEmpty() && q.free() > 0) {
                MessageQueue.Msg m = q.dead.pollFirst();
                m.attempts = 0;
                q.addReady(m, now);
                if (q.journal != null) q.journal.accept("redrive", m);
                moved++;
            }
            receiving.serveReceivers(q, now);
        }
        if (moved > 0) kernel.auditEvent("ipc.redrive", q.owner, moved + " dead letters back to " + q.name);
        return moved;
    }

    @Override
    public CompletionStage<SyscallResult> callFrom(RemoteCaller caller, String call, JsonNode args) {
        return fromElsewhere.call(caller, call, args);
    }

    @Override
    public QueueStats restore(org.agentos.kernel.api.image.QueueImage image) throws SyscallException {
        images.restoreQueue(image, java.util.Map.of());
        return queue(image.spec().name()).stats();
    }

    @Override
    public Message send(String name, JsonNode payload, String key) throws SyscallException {
        MessageQueue q = target(name);
        roomFor(q, List.of(new Outgoing(payload, 0, key, null, null)));
        long now = kernel.hal.currentTimeMillis();
        synchronized (q) {
            if (q.deleted) throw new SyscallException(Errno.ENOENT, "no queue '" + name + "'");
            long dup = q.duplicateOf(key, now);
            if (dup >= 0) {
                q.duplicates++;
                throw new SyscallException(Errno.EEXIST, "a message with key '" + key + "' was sent already (id " + dup + ")");
            }
            if (!q.senders.isEmpty() || q.free() < 1) {
                throw new SyscallException(Errno.EAGAIN, "queue '" + name + "' is full (" + q.held() + " of " + q.spec.capacity() + ")");
            }
            if (!q.spec.durable()) {
                MessageQueue.Msg m = q.newMessage(0, payload, sizeOf(payload), 0, key, null, null, now);
                q.sent++;
                q.hold(m.bytes);
                q.addReady(m, now);
                Message view = m.view(q.name);
                receiving.serveReceivers(q, now);
                return view;
            }
        }
        // Durable: the message joins the queue once it is on disk; the operator waits for that.
        List<MessageQueue.Msg> fresh;
        synchronized (q) {
            fresh = accept(q, 0, List.of(new Outgoing(payload, 0, key, null, null)), now, kernel.json.createObjectNode(), true);
            if (fresh == null) throw new SyscallException(Errno.EAGAIN, "queue '" + name + "' is full");
        }
        java.util.concurrent.CompletableFuture<SyscallResult> durable = new java.util.concurrent.CompletableFuture<>();
        sending.commit(q, fresh, err -> durable.complete(err == null ? SyscallResult.OK : err));
        SyscallResult written;
        try {
            written = durable.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while the send was being written (it may still be sent)");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new SyscallException(Errno.EIO, "the send failed: " + e.getCause());
        }
        if (!written.isOk()) throw new SyscallException(written.errno(), written.message());
        return fresh.get(0).view(q.name);
    }

    // ------------------------------------------------------------------ the queue log

    /** Rebuilds the durable queues from the queue log under {@code dataDir} (see {@link QueueLog#recover}). */
    /**
     * After a restart: of the durable sends the queue log names by call, keeps those {@code cut}
     * says the crash cut (made, their result never journaled); a process making such a call
     * again is answered with the ids it sent, and nothing is sent twice.
     */
    public void keepCutSends(java.util.function.Predicate<String> cut) {
        queueLog.keepSends(cut);
    }

    public void recover(java.nio.file.Path dataDir) throws IOException {
        queueLog.recover(dataDir);
    }

    /** How often the queue log was compacted while running (0 without one). */
    public long logCompactions() {
        return queueLog.logCompactions();
    }

    /** The queue log is rewritten from a snapshot once it is this big and twice its live size (tests lower it). */
    public void compactAbove(long bytes) {
        queueLog.compactAboveBytes = bytes;
    }

    /** Writes what the queue log has queued and closes it (kernel stop). */
    public void close() {
        queueLog.close();
    }

    void put(MessageQueue q) {
        queues.put(q.name, q);
    }

    Iterable<MessageQueue> all() {
        return queues.values();
    }

}
