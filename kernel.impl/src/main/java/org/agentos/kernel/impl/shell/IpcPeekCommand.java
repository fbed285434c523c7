package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "ipc", name = "peek", description = "Shows the next messages of a queue without receiving them.")
public class IpcPeekCommand implements Action {
    @Reference
    MessageQueues queues;

    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "queue", required = true, description = "queue name, or @pid for a mailbox")
    @Completion(QueueCompleter.class)
    String queue;

    @Option(name = "-n", aliases = {"--limit", "--max"}, description = "how many (default 10)")
    int max = 10;

    @Override
    public Object execute() {
        try {
            ConsoleUser.current().requireOwnerOfQueue(queues, processes, queue); // payloads are the owner's
            print(queues.peek(queue, max));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }

    /** One message per row, its payload as compact JSON. */
    static void print(List<Message> messages) {
        TextTable t = new TextTable("ID", "FROM", "PRIO", "ATTEMPTS", "KEY", "CORRELATION", "PAYLOAD");
        for (Message m : messages) {
            String payload = m.payload() == null ? "null" : m.payload().toString();
            if (payload.length() > 100) payload = payload.substring(0, 97) + "...";
            t.row(m.id(), m.from(), m.priority(), m.attempts(), m.key(), m.correlationId(), payload);
        }
        t.print(System.out);
    }
}
