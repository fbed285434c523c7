package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
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

@Service
@Command(scope = "mem", name = "dump", description = "Writes a process's memory space as JSON: every entry with its value; paged-out "
        + "working entries with their summary only (a dump does not page anything in).")
public class MemDumpCommand implements Action {
    @Reference
    KernelMemory memory;

    @Argument(index = 0, name = "pid", required = true, description = "the process")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "-o", aliases = "--output", description = "write to this file instead of the console")
    String output;

    @Override
    public Object execute() throws Exception {
        try {
            MemoryManager m = memory.bound();
            String space = SpaceKind.userSpace(pid);
            SpaceInfo info = m.space(space).orElseThrow(() -> new SyscallException(Errno.ENOENT,
                    "process " + pid + " has no memory space (it never used memory, or it ended)"));
            MemCaller op = MemCaller.operator(ConsoleUser.current().name());
            ObjectNode dump = MemGetCommand.PRETTY.createObjectNode().put("pid", pid).put("space", space).put("owner", info.owner())
                    .put("persistent", info.persistent()).put("bytes", info.bytes()).put("residentTokens", info.residentTokens())
                    .put("tokenBudget", info.tokenBudget()).put("pagedOut", info.pagedOut());
            ArrayNode entries = dump.putArray("entries");
            String after = null;
            do {
                EntryPage page = m.list(op, space, "", after, 1000);
                for (EntryInfo e : page.entries()) {
                    ObjectNode o = entries.addObject().put("key", e.key()).put("version", e.version()).put("bytes", e.bytes());
                    if (e.working()) {
                        o.put("working", true).put("tokens", e.tokens()).put("resident", e.resident());
                        if (e.summary() != null) o.put("summary", e.summary());
                        if (!e.resident()) continue; // paged out: left where it is
                    }
                    MemEntry v;
                    try {
                        v = m.get(op, space, e.key());
                    } catch (SyscallException gone) {
                        if (gone.errno() == Errno.ENOENT) continue; // deleted since the listing
                        throw gone;
                    }
                    if (v.blob() != null) o.put("base64", Base64.getEncoder().encodeToString(v.blob()));
                    else o.set("value", v.json());
                }
                after = page.next();
            } while (after != null);
            String text = MemGetCommand.PRETTY.writeValueAsString(dump);
            if (output == null) {
                System.out.println(text);
            } else {
                Path file = Path.of(output);
                Files.writeString(file, text + "\n");
                System.out.println("wrote " + entries.size() + " entries of " + space + " to " + file.toAbsolutePath());
            }
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
