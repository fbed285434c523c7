package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "ipc", name = "create", description = "Creates a message queue.",
        detailedDescription = "ipc:create -d at-least-once -c 1000 --visibility-ms 30000 --max-deliveries 5 jobs\n"
                + "A queue is its owner's: agents of other owners use it only when named with -m (and holding the ipc capability).")
public class IpcCreateCommand implements Action {
    @Reference
    MessageQueues queues;

    @Option(name = "-d", aliases = "--delivery", description = "at-most-once, at-least-once (default) or exactly-once")
    @Completion(value = StringsCompleter.class, values = {"at-most-once", "at-least-once", "exactly-once"})
    String delivery = "at-least-once";

    @Option(name = "-c", aliases = "--capacity", description = "messages held (ready + in flight) before senders wait; default 1024")
    int capacity = 1024;

    @Option(name = "--visibility-ms", description = "how long a received message may stay unacked; default 30000")
    long visibilityMs = 30_000;

    @Option(name = "--max-deliveries", description = "deliveries before the dead-letter queue; default 5")
    int maxDeliveries = 5;

    @Option(name = "--priorities", description = "messages carry a priority 0-9, highest first")
    boolean priorities;

    @Option(name = "--durable", description = "survives a crash: sends are acknowledged once on disk (group commit)")
    boolean durable;

    @Option(name = "-m", aliases = "--member", multiValued = true,
            description = "an owner besides the creator whose agents may use it (repeat for more); nobody else may")
    List<String> members;

    @Option(name = "-o", aliases = "--owner", description = "owner (tenant); default: root for administrators, else your "
            + "user name (as agent:spawn, so that the agents you spawn may use it)")
    String owner;

    @Argument(index = 0, name = "queue", required = true, description = "name: a-z 0-9 . _ -")
    String queue;

    /** Administrators may create queues for any owner; other users only for themselves. */
    private String ownerForUser() {
        ConsoleUser user = ConsoleUser.current();
        return user.ownerFor(owner, "root"); // as agent:spawn: the console's queues and agents are one owner's
    }

    @Override
    public Object execute() {
        String forOwner = ownerForUser();
        try {
            QueueSpec spec = QueueSpec.builder(queue).delivery(Delivery.parse(delivery)).capacity(capacity)
                    .visibilityMillis(visibilityMs).maxDeliveries(maxDeliveries).priorities(priorities).durable(durable)
                    .members(members).build();
            QueueStats q = queues.create(spec, forOwner);
            System.out.println("created " + q.name() + " (" + q.delivery().label() + (q.durable() ? ", durable" : "")
                    + ", capacity " + q.capacity() + ", owner " + q.owner()
                    + (q.members().isEmpty() ? "" : ", members " + String.join(",", q.members())) + ")");
        } catch (IllegalArgumentException e) {
            throw ConsoleErrors.of("EINVAL", e.getMessage());
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
