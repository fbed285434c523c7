package org.agentos.kernel.impl.shell;

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
@Command(scope = "ipc", name = "dlq", description = "Lists a queue's dead letters, or moves them back to the queue (--redrive).",
        detailedDescription = "A message goes to the dead-letter queue when it was delivered maxDeliveries times without an ack, "
                + "or was nacked with requeue false. --redrive puts them back at the end of the queue with their attempts reset.")
public class IpcDlqCommand implements Action {
    @Reference
    MessageQueues queues;

    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "queue", required = true, description = "queue name")
    @Completion(QueueCompleter.class)
    String queue;

    @Option(name = "-n", aliases = {"--limit", "--max"}, description = "how many (default 20)")
    int max = 20;

    @Option(name = "-r", aliases = "--redrive", description = "move them back to the queue")
    boolean redrive;

    @Override
    public Object execute() {
        try {
            ConsoleUser.current().requireOwnerOfQueue(queues, processes, queue);
            if (redrive) {
                System.out.println(queues.redrive(queue, max) + " dead letters moved back to " + queue);
            } else {
                IpcPeekCommand.print(queues.deadLetters(queue, max));
            }
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
