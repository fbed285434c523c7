package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "ipc", name = "delete", description = "Deletes a queue and its messages; processes waiting on it get ENOENT.")
public class IpcDeleteCommand implements Action {
    @Reference
    MessageQueues queues;

    @Argument(index = 0, name = "queue", required = true, description = "queue name")
    @Completion(QueueCompleter.class)
    String queue;

    @Override
    public Object execute() {
        try {
            queues.delete(queue);
            System.out.println("deleted " + queue);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
