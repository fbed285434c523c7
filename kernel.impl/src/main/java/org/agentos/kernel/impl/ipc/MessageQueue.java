package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.impl.proc.Proc;

/**
 * One message queue: ready messages (one FIFO per priority), messages in flight until acked (in
 * delivery order, which with one visibility timeout per queue is deadline order), a dead-letter
 * queue, remembered idempotency keys, and the processes waiting to send or receive. All state is
 * guarded by the queue's monitor; {@link Ipc} does the waking, which takes process locks after
 * this one, never before.
 */
public final class MessageQueue {
    static final int PRIORITIES = 10;
    /** Dead letters kept per queue; beyond it the oldest is dropped and counted. */
    static final int MAX_DEAD_LETTERS = 10_000;

    /** A message inside the kernel: what {@link Message} shows, plus its delivery state. */
    static final class Msg {
        final long id;
        final long from;
        final JsonNode payload;
        final int priority;
        final String key;
        final String correlationId;
        final String replyTo;
        final long sentMillis;
        /** What its payload takes as JSON: what it holds of its queue owner's bytes. */
        final long bytes;
        int attempts;
        /** While in flight: when it is delivered again, and to whom it was delivered. */
        long visibleAgainMillis;
        long receiver;

        Msg(long id, long from, JsonNode payload, long bytes, int priority, String key, String correlationId, String replyTo,
            long sentMillis) {
            this.id = id;
            this.bytes = bytes;
            this.from = from;
            this.payload = payload;
            this.priority = priority;
            this.key = key;
            this.correlationId = correlationId;
            this.replyTo = replyTo;
            this.sentMillis = sentMillis;
        }

        Message view(String queue) {
            return new Message(id, queue, from, payload, priority, key, correlationId, replyTo, attempts, sentMillis);
        }
    }

    /** A process blocked on this queue: a receiver (wanting up to {@code max} messages), or a sender with its messages. */
    public static final class Waiter extends java.util.concurrent.CompletableFuture<Void> {
        final Proc proc;
        final int max;
        final List<Msg> sending;
        /** For a request: only the reply with this correlation id will do. */
        final String correlationId;
        java.util.concurrent.ScheduledFuture<?> timer;

        Waiter(Proc proc, int max, List<Msg> sending, String correlationId) {
            this.proc = proc;
            this.max = max;
            this.sending = sending;
            this.correlationId = correlationId;
        }
    }

    final String name;
    final String owner;
    final QueueSpec spec;
    /** A process's mailbox: the pid it belongs to, or 0 for a named queue. */
    final long mailboxOf;
    private final ArrayDeque<Msg>[] ready;
    private int readyCount;
    final LinkedHashMap<Long, Msg> inFlight = new LinkedHashMap<>();
    final ArrayDeque<Msg> dead = new ArrayDeque<>();
    private final LinkedHashMap<String, long[]> keys = new LinkedHashMap<>();
    final ArrayDeque<Waiter> receivers = new ArrayDeque<>();
    final ArrayDeque<Waiter> senders = new ArrayDeque<>();
    private long nextId = 1;
    /** Messages of durable sends waiting for their log commit: they hold capacity already. */
    int reserved;
    /** Their ids: their keys are not yet durable, so a snapshot of the log leaves them out. */
    final java.util.HashSet<Long> reservedIds = new java.util.HashSet<>();
    /** For a durable queue: records a message's dead-lettering or redrive in the queue log; null otherwise. */
    java.util.function.BiConsumer<String, Msg> journal;
    boolean deleted;
    /**
     * Bytes of the messages it holds (ready, in flight, dead letters), and the total of all its
     * owner's queues and mailboxes, which {@link Ipc} shares among them and limits.
     */
    long heldBytes;
    java.util.concurrent.atomic.AtomicLong ownerBytes = new java.util.concurrent.atomic.AtomicLong();
    long sent;
    long delivered;
    long acked;
    long redelivered;
    long duplicates;
    long deadDropped;
    /** Kernel notifications (events, child exits) dropped because the mailbox was full. */
    long dropped;
    /** Rates over the last second, and the counters and time they were measured from. */
    double sendRate;
    double deliverRate;
    private long rateSent;
    private long rateDelivered;
    private long rateSince;

    @SuppressWarnings("unchecked")
    MessageQueue(QueueSpec spec, String owner, long mailboxOf) {
        this.name = mailboxOf == 0 ? spec.name() : Ipc.mailboxName(mailboxOf);
        this.owner = owner;
        this.spec = spec;
        this.mailboxOf = mailboxOf;
        this.ready = new ArrayDeque[spec.priorities() ? PRIORITIES : 1];
        for (int i = 0; i < ready.length; i++) ready[i] = new ArrayDeque<>();
    }

    Msg newMessage(long from, JsonNode payload, long bytes, int priority, String key, String correlationId, String replyTo,
                   long now) {
        return new Msg(nextId++, from, payload, bytes, spec.priorities() ? priority : 0, key, correlationId, replyTo, now);
    }

    long nextId() {
        return nextId;
    }

    /** New messages get ids from {@code next} on (or later). */
    void idsFrom(long next) {
        nextId = Math.max(nextId, next);
    }

    /** A message read back from the queue log at start: its id is kept, the next new one comes after it. */
    Msg restored(long id, long from, JsonNode payload, int priority, String key, String correlationId, String replyTo,
                 long sentMillis) {
        nextId = Math.max(nextId, id + 1);
        return new Msg(id, from, payload, Ipc.sizeOf(payload), priority, key, correlationId, replyTo, sentMillis);
    }

    /**
     * Counts {@code bytes} more (or, negative, fewer) held; holds the queue's lock. Callers add up
     * a batch first: the owner's total is shared by its queues, and one atomic update per message
     * halved the batched throughput on 2 cores.
     */
    void hold(long bytes) {
        if (bytes == 0) return;
        heldBytes += bytes;
        ownerBytes.addAndGet(bytes);
    }

    /** Ready and in-flight messages: what counts against the capacity. */
    int held() {
        return readyCount + inFlight.size() + reserved;
    }

    int free() {
        return spec.capacity() - held();
    }

    /** The message id sent earlier with {@code key} within the dedup window, or -1. Exactly-once queues only. */
    long duplicateOf(String key, long now) {
        if (key == null || spec.delivery() != Delivery.EXACTLY_ONCE) return -1;
        expireKeys(now);
        long[] seen = keys.get(key);
        return seen == null ? -1 : seen[0];
    }

    private void expireKeys(long now) {
        for (Iterator<long[]> it = keys.values().iterator(); it.hasNext(); ) {
            if (it.next()[1] > now) break; // insertion order is expiry order
            it.remove();
        }
    }

    /** Remembers m's idempotency key for the dedup window (exactly-once queues). */
    void rememberKey(Msg m, long now) {
        if (m.key != null && spec.delivery() == Delivery.EXACTLY_ONCE && !keys.containsKey(m.key)) {
            keys.put(m.key, new long[] {m.id, now + spec.dedupWindowMillis()});
        }
    }

    /** A durable send's commit failed: its key may be sent again. */
    void forgetKey(Msg m) {
        long[] seen = m.key == null ? null : keys.get(m.key);
        if (seen != null && seen[0] == m.id) keys.remove(m.key);
    }

    /** An idempotency key read back from the queue log, with the message id and the end of its window. */
    void restoreKey(String key, long id, long untilMillis) {
        if (spec.delivery() == Delivery.EXACTLY_ONCE && !keys.containsKey(key)) keys.put(key, new long[] {id, untilMillis});
    }

    /**
     * For a snapshot of the queue log: in-flight messages, then ready ones in line (after a restart
     * all are ready, in that order), the dead letters, and the keys still in their window
     * whose message is neither (acked ones) nor waiting for its commit: key to {id, until}.
     */
    void snapshot(List<Msg> live, List<Msg> deadLetters, java.util.Map<String, long[]> doneKeys, long now) {
        // in flight first: delivered again, a message keeps its place at the head of the line
        live.addAll(inFlight.values());
        live.sort(java.util.Comparator.comparingLong(m -> m.id));
        for (int p = ready.length - 1; p >= 0; p--) live.addAll(ready[p]);
        deadLetters.addAll(dead);
        expireKeys(now);
        java.util.HashSet<Long> held = new java.util.HashSet<>();
        for (Msg m : live) held.add(m.id);
        for (Msg m : deadLetters) held.add(m.id);
        for (var e : keys.entrySet()) {
            long id = e.getValue()[0];
            if (!held.contains(id) && !reservedIds.contains(id)) doneKeys.put(e.getKey(), e.getValue());
        }
    }

    /** Ready and in-flight messages in the order they would be delivered: in flight first (by id), then ready. */
    List<Msg> liveInLine() {
        List<Msg> live = new ArrayList<>(inFlight.values());
        live.sort(java.util.Comparator.comparingLong(m -> m.id));
        for (int p = ready.length - 1; p >= 0; p--) live.addAll(ready[p]);
        return live;
    }

    void addReady(Msg m, long now) {
        if (m.attempts == 0) rememberKey(m, now);
        ready[m.priority].addLast(m);
        readyCount++;
    }

    /** Puts a message delivered before back at the head of its priority (it keeps its place in line). */
    private void returnReady(Msg m) {
        ready[m.priority].addFirst(m);
        readyCount++;
    }

    int readyCount() {
        return readyCount;
    }

    /** Takes the next ready message (highest priority, FIFO), or with a correlation id the one that matches; null if none. */
    Msg poll(String correlationId) {
        for (int p = ready.length - 1; p >= 0; p--) {
            if (correlationId == null) {
                Msg m = ready[p].pollFirst();
                if (m != null) {
                    readyCount--;
                    return m;
                }
            } else {
                for (Iterator<Msg> it = ready[p].iterator(); it.hasNext(); ) {
                    Msg m = it.next();
                    if (correlationId.equals(m.correlationId)) {
                        it.remove();
                        readyCount--;
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /** Records that {@code m} is delivered to {@code pid}: in flight until acked, unless at-most-once. */
    void deliver(Msg m, long pid, long now) {
        m.attempts++;
        delivered++;
        if (m.attempts > 1) redelivered++;
        if (spec.delivery() != Delivery.AT_MOST_ONCE) {
            m.receiver = pid;
            m.visibleAgainMillis = now + spec.visibilityMillis();
            inFlight.put(m.id, m);
        }
        // an at-most-once message is gone with its delivery: the caller gives its bytes back, once per batch
        // a durable at-most-once receive is journaled by Ipc, once per batch, before the receiver sees it
    }

    /**
     * Messages whose visibility timeout passed go back to be delivered again, or to the dead-letter
     * queue after {@code maxDeliveries}. Returns true when something became ready.
     */
    boolean expire(long now) {
        boolean any = false;
        for (Iterator<Msg> it = inFlight.values().iterator(); it.hasNext(); ) {
            Msg m = it.next();
            if (m.visibleAgainMillis > now) break;
            it.remove();
            any |= requeueOrBury(m);
        }
        return any;
    }

    /** A message that was not acked: back in line, or buried after its last attempt. True when back in line. */
    boolean requeueOrBury(Msg m) {
        if (m.attempts >= spec.maxDeliveries()) {
            bury(m);
            return false;
        }
        returnReady(m);
        return true;
    }

    void bury(Msg m) {
        if (dead.size() >= MAX_DEAD_LETTERS) {
            hold(-dead.pollFirst().bytes);
            deadDropped++;
        }
        dead.addLast(m);
        if (journal != null) journal.accept("dead", m);
    }

    List<Message> peek(int max) {
        List<Message> out = new ArrayList<>();
        for (int p = ready.length - 1; p >= 0 && out.size() < max; p--) {
            for (Msg m : ready[p]) {
                if (out.size() >= max) break;
                out.add(m.view(name));
            }
        }
        return out;
    }

    /** Drops every message (the queue is being deleted or its process ended). */
    void clear() {
        for (ArrayDeque<Msg> d : ready) d.clear();
        readyCount = 0;
        inFlight.clear();
        dead.clear();
        keys.clear();
        hold(-heldBytes);
    }

    QueueStats stats() {
        return new QueueStats(name, owner, spec.delivery(), spec.durable(), spec.capacity(), readyCount, inFlight.size(), dead.size(),
                senders.size(), receivers.size(), sent, delivered, acked, redelivered, duplicates, dropped, sendRate, deliverRate,
                spec.members());
    }

    /** Updates the rates once a second has passed since the last update. */
    void measure(long now) {
        if (rateSince == 0) {
            rateSince = now;
            return;
        }
        long dt = now - rateSince;
        if (dt < 1000) return;
        sendRate = (sent - rateSent) * 1000.0 / dt;
        deliverRate = (delivered - rateDelivered) * 1000.0 / dt;
        rateSent = sent;
        rateDelivered = delivered;
        rateSince = now;
    }

    @Override
    public String toString() {
        return name;
    }

    /** For tests and the console: the ids of the in-flight messages, in delivery order. */
    Map<Long, Msg> inFlightView() {
        return java.util.Collections.unmodifiableMap(inFlight);
    }
}
