package org.agentos.kernel.api.ipc;

import java.util.Set;

/**
 * A queue as {@code ipc:queues} shows it: its spec, what it holds now, and what went through it.
 *
 * @param name        queue name ({@code @<pid>} for a process's mailbox)
 * @param owner       the tenant that created it
 * @param delivery    its guarantee
 * @param durable     whether it survives a crash
 * @param capacity    ready + in-flight messages it holds before senders wait
 * @param ready       messages waiting to be received
 * @param inFlight    received, not yet acked
 * @param deadLetters messages in its dead-letter queue
 * @param waitingSenders   processes blocked on a full queue
 * @param waitingReceivers processes blocked on an empty queue
 * @param sent        messages accepted
 * @param delivered   deliveries, redeliveries included
 * @param acked       messages acked
 * @param redelivered deliveries after a missing ack or a nack
 * @param duplicates  sends dropped as duplicates of an idempotency key
 * @param dropped     kernel notifications (events, child exits) dropped because a mailbox was full
 * @param sendRate    messages sent per second over the last second
 * @param deliverRate deliveries per second over the last second
 * @param members     owners besides {@code owner} whose processes may use it
 */
public record QueueStats(String name, String owner, Delivery delivery, boolean durable, int capacity, int ready, int inFlight,
                         int deadLetters, int waitingSenders, int waitingReceivers, long sent, long delivered,
                         long acked, long redelivered, long duplicates, long dropped, double sendRate, double deliverRate,
                         Set<String> members) {
    public QueueStats {
        members = members == null ? Set.of() : members;
    }

    /** A queue with no members besides its owner. */
    public QueueStats(String name, String owner, Delivery delivery, boolean durable, int capacity, int ready, int inFlight,
                      int deadLetters, int waitingSenders, int waitingReceivers, long sent, long delivered,
                      long acked, long redelivered, long duplicates, long dropped, double sendRate, double deliverRate) {
        this(name, owner, delivery, durable, capacity, ready, inFlight, deadLetters, waitingSenders, waitingReceivers, sent,
                delivered, acked, redelivered, duplicates, dropped, sendRate, deliverRate, Set.of());
    }
}
