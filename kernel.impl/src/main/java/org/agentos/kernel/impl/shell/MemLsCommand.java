package org.agentos.kernel.impl.shell;

import java.time.Instant;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.SpaceInfo;
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
@Command(scope = "mem", name = "ls", description = "Lists the keys of a memory space, in key order, with version, size and residency.")
public class MemLsCommand implements Action {
    @Reference
    KernelMemory memory;

    @Argument(index = 0, name = "space", required = true, description = "system, user/<pid> or shared/<name>")
    @Completion(SpaceCompleter.class)
    String space;

    @Argument(index = 1, name = "prefix", description = "only keys starting with this")
    String prefix = "";

    @Option(name = "-n", aliases = {"--limit", "--max"}, description = "at most this many keys (default 100)")
    int max = 100;

    @Option(name = "--after", description = "start after this key (the next page)")
    String after;

    @Override
    public Object execute() {
        if (max < 1 || max > 100_000) throw ConsoleErrors.of("EINVAL", "-n must be between 1 and 100000");
        try {
            ConsoleUser user = ConsoleUser.current();
            if (!user.isAdmin()) {
                // keys name what a tenant keeps: only its owner and administrators list them
                String holder = memory.bound().spaces().stream().filter(s -> s.name().equals(space)).map(SpaceInfo::owner)
                        .findFirst().orElse(null);
                if (!user.sees(holder)) {
                    throw ConsoleErrors.of("EPERM", "space " + space + " is not yours; only administrators list other owners' keys");
                }
            }
            EntryPage page = memory.bound().list(MemCaller.operator(user.name()), space, prefix, after, max);
            TextTable t = new TextTable("KEY", "VERSION", "BYTES", "TYPE", "CONTEXT", "MODIFIED", "BY");
            for (EntryInfo e : page.entries()) {
                String ctx = !e.working() ? "" : (e.resident() ? "resident " : "paged out ") + e.tokens() + " tokens";
                t.row(e.key(), e.version(), e.bytes(), e.blob() ? "blob" : "json", ctx, Instant.ofEpochMilli(e.modifiedMillis()),
                        e.modifiedBy() == 0 ? "-" : e.modifiedBy());
            }
            t.print(System.out);
            if (page.next() != null) System.out.println("more: mem:ls --after '" + page.next() + "' " + space + " " + prefix);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
