package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "ipc", name = "send", description = "Sends a message to a queue or mailbox as the operator (never waits: EAGAIN when full).",
        detailedDescription = "ipc:send jobs '{\"task\":\"resize\",\"id\":7}'\nipc:send --key invoice-7 payments '{\"amount\":10}'   "
                + "(an exactly-once queue refuses a key sent before with EEXIST)")
public class IpcSendCommand implements Action {
    @Reference
    MessageQueues queues;

    @Reference
    ProcessManager processes;

    @Option(name = "-k", aliases = "--key", description = "idempotency key (exactly-once queues drop repeats)")
    String key;

    @Argument(index = 0, name = "queue", required = true, description = "queue name, or @pid for a mailbox")
    @Completion(QueueCompleter.class)
    String queue;

    @Argument(index = 1, name = "payload", required = true, description = "the payload as JSON; anything that does not start like JSON ({ [ \") is sent as text")
    String payload;

    @Override
    public Object execute() {
        ConsoleUser.current().requireOwnerOfQueue(queues, processes, queue);
        JsonNode json;
        try {
            json = ToolDescribeCommand.JSON.readTree(payload);
        } catch (JsonProcessingException notJson) {
            String t = payload.strip();
            if (t.startsWith("{") || t.startsWith("[") || t.startsWith("\"")) {
                // meant as JSON and mistyped: sending it as text would hide the mistake
                throw ConsoleErrors.of(new SyscallException(Errno.EINVAL, "the payload is not valid JSON: "
                        + notJson.getOriginalMessage() + " (to send it as text, quote it as a JSON string)"));
            }
            json = ToolDescribeCommand.JSON.getNodeFactory().textNode(payload);
        }
        try {
            Message m = queues.send(queue, json, key);
            System.out.println("sent message " + m.id() + " to " + m.queue());
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
