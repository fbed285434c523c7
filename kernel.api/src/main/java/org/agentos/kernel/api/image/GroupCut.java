package org.agentos.kernel.api.image;

import java.util.List;

/**
 * Agents cut together, at one moment: each held at a quiet step boundary at the same time, with
 * the named queues they may use. A message between them is in exactly one place: still to be sent
 * (the sender's pending call), in a queue or a mailbox, or received (the receiver's state, and in
 * flight to it in its queue until it acks). Memory snapshots are held until {@link #close}.
 */
public interface GroupCut extends AutoCloseable {
    /** The members, in the order they were named. */
    List<AgentCut> members();

    /** The named queues any member may send to or receive from, of its owner. */
    List<QueueImage> queues();

    @Override
    void close();
}
