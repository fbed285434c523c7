package org.agentos.kernel.api.image;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;

/**
 * A named queue as the image of a group holds it: its spec and owner, its messages in the order
 * they would be delivered (those in flight first), and for each message in flight to a member of
 * the group, that member's pid. A message in flight to someone else is held as waiting: in the
 * restored world nobody has it.
 *
 * @param heldBy message id to the pid (at the cut) of the member it was delivered to
 */
public record QueueImage(QueueSpec spec, String owner, List<Message> messages, Map<Long, Long> heldBy) {
    public QueueImage {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(owner, "owner");
        messages = messages == null ? List.of() : List.copyOf(messages);
        heldBy = heldBy == null ? Map.of() : Map.copyOf(heldBy);
    }
}
