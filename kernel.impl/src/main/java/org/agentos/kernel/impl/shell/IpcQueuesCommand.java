package org.agentos.kernel.impl.shell;

import java.util.Locale;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "ipc", name = "queues", description = "Lists message queues: depth, in flight, dead letters, waiting processes, rates.",
        detailedDescription = "READY waits to be received; INFLIGHT was received and not yet acked; DLQ is the dead-letter queue; "
                + "WAIT S/R are processes blocked sending (full) and receiving (empty); rates are per second over the last second; DROPPED counts kernel notifications a full mailbox could not take.")
public class IpcQueuesCommand implements Action {
    @Reference
    MessageQueues queues;

    @Option(name = "-m", aliases = "--mailboxes", description = "list process mailboxes (@pid) too")
    boolean mailboxes;

    @Override
    public Object execute() {
        TextTable t = new TextTable("QUEUE", "OWNER", "DELIVERY", "CAPACITY", "READY", "INFLIGHT", "DLQ", "WAIT S/R",
                "SENT", "DELIVERED", "ACKED", "REDELIVERED", "DUPLICATES", "DROPPED", "SENT/S", "DELIVERED/S", "MEMBERS");
        ConsoleUser user = ConsoleUser.current();
        for (QueueStats q : queues.queues()) {
            if (!mailboxes && q.name().startsWith("@")) continue;
            if (!user.sees(q.owner())) continue; // other owners' queues are theirs
            t.row(q.name(), q.owner(), q.delivery().label() + (q.durable() ? "+durable" : ""), q.capacity(), q.ready(), q.inFlight(), q.deadLetters(),
                    q.waitingSenders() + "/" + q.waitingReceivers(), q.sent(), q.delivered(), q.acked(), q.redelivered(),
                    q.duplicates(), q.dropped(), String.format(Locale.ROOT, "%.1f", q.sendRate()),
                    String.format(Locale.ROOT, "%.1f", q.deliverRate()), q.members().isEmpty() ? "-" : String.join(",", q.members()));
        }
        t.print(System.out);
        return null;
    }
}
