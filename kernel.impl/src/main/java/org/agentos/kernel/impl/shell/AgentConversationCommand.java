package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * The dialogue of an agent that keeps its conversation in its context window (the llm-agent:
 * entries {@code conversation/0001} ... of its memory space), one message per line; a message
 * paged out to the archive shows its summary. Reads without paging anything in. When the agent
 * has ended (its space went with it), the conversation comes from the audit log, which keeps
 * every {@code mem.put} it made with its arguments.
 */
@Service
@Command(scope = "agent", name = "conversation", description = "Prints the conversation an agent keeps in its memory "
        + "(the llm-agent's turns, tool calls and results), oldest first.")
public class AgentConversationCommand implements Action {
    static final String PREFIX = "conversation/";

    @Reference
    KernelMemory memory;

    @Reference
    AuditLog audit;

    @Argument(index = 0, name = "pid", required = true, description = "the agent's process")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "--json", description = "print the messages as a JSON array, as the model was sent them")
    boolean json;

    @Option(name = "-w", aliases = "--width", description = "longest line of a message before it is cut (0: whole)")
    int width = 160;

    @Override
    public Object execute() throws Exception {
        try {
            MemoryManager m = memory.bound();
            String space = SpaceKind.userSpace(pid);
            if (m.space(space).isEmpty()) {
                fromAudit();
                return null;
            }
            MemCaller op = MemCaller.operator(ConsoleUser.current().name());
            ArrayNode messages = MemGetCommand.PRETTY.createArrayNode();
            int n = 0;
            String after = null;
            do {
                EntryPage page = m.list(op, space, PREFIX, after, 1000);
                for (EntryInfo e : page.entries()) {
                    if (!e.key().startsWith(PREFIX)) continue;
                    n++;
                    JsonNode message = e.working() && !e.resident() ? null : value(m, op, space, e.key());
                    if (json) {
                        if (message != null) messages.add(message);
                        else messages.addObject().put("pagedOut", e.key()).put("summary", e.summary());
                    } else {
                        System.out.println(line(n, message, e));
                    }
                }
                after = page.next();
            } while (after != null);
            if (json) System.out.println(MemGetCommand.PRETTY.writeValueAsString(messages));
            else if (n == 0) System.out.println("pid " + pid + " keeps no conversation in its memory");
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }

    /** The messages of an agent that ended, from its successful conversation puts in the audit log. */
    private void fromAudit() throws Exception {
        java.util.TreeMap<String, JsonNode> byKey = new java.util.TreeMap<>();
        for (AuditRecord r : audit.read(new AuditQuery(pid, "mem.put", AuditRecord.OK, 100_000))) {
            JsonNode args = r.args();
            String key = args == null ? "" : args.path("key").asText("");
            if (AuditRecord.SYSCALL.equals(r.kind()) && key.startsWith(PREFIX) && args.has("value")) {
                byKey.put(key, args.get("value"));
            }
        }
        if (byKey.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, "pid " + pid + " has no memory space and no conversation in the audit log");
        }
        ArrayNode messages = MemGetCommand.PRETTY.createArrayNode();
        int n = 0;
        for (JsonNode message : byKey.values()) {
            if (json) messages.add(message);
            else System.out.println(line(++n, message, null));
        }
        if (json) System.out.println(MemGetCommand.PRETTY.writeValueAsString(messages));
    }

    private static JsonNode value(MemoryManager m, MemCaller op, String space, String key) throws SyscallException {
        try {
            MemEntry v = m.get(op, space, key);
            return v.json();
        } catch (SyscallException gone) {
            if (gone.errno() == Errno.ENOENT) return null; // deleted since the listing
            throw gone;
        }
    }

    /** {@code #3 tool       {"value":6}}; an assistant's tool calls as {@code -> name args}. */
    private String line(int n, JsonNode message, EntryInfo e) {
        if (message == null) {
            return String.format("#%-3d (paged out) %s", n, e == null || e.summary() == null ? "" : e.summary());
        }
        String role = message.path("role").asText("?");
        StringBuilder text = new StringBuilder(message.path("content").asText(""));
        for (JsonNode c : message.path("tool_calls")) {
            if (text.length() > 0) text.append(' ');
            text.append("-> ").append(c.has("syscall") ? c.path("syscall").asText()
                    : c.path("function").path("name").asText().replace("__", "."))
                    .append(' ').append(c.has("args") ? c.get("args").toString() : c.path("function").path("arguments").asText());
        }
        String body = text.toString().replace('\n', ' ');
        if (width > 0 && body.length() > width) body = body.substring(0, width) + "...";
        return String.format("#%-3d %-10s %s", n, role, body);
    }
}
