package org.agentos.kernel.impl.shell;

import java.util.Locale;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mem", name = "spaces", description = "Lists the memory spaces: owner, persistence, size, quota, copy-on-write sharing, context window.")
public class MemSpacesCommand implements Action {
    @Reference
    KernelMemory memory;

    @Option(name = "-o", aliases = "--owner", description = "only the spaces of this owner")
    String owner;

    @Override
    public Object execute() {
        try {
            TextTable t = new TextTable("SPACE", "KIND", "OWNER", "PERSISTENT", "ENTRIES", "BYTES", "QUOTA", "SHARED",
                    "TOKENS/BUDGET", "PAGED-OUT", "MEMBERS");
            ConsoleUser user = ConsoleUser.current();
            if (owner != null && !user.sees(owner)) {
                throw ConsoleErrors.of("EPERM", "the spaces of " + owner + " are not yours; only administrators list other owners' spaces");
            }
            String only = owner != null ? owner : user.ownerFilter();
            for (SpaceInfo s : memory.bound().spaces()) {
                if (only != null && !only.equals(s.owner())) continue;
                t.row(s.name(), s.kind().name().toLowerCase(Locale.ROOT), s.owner(), s.persistent() ? "yes" : "no", s.entries(),
                        s.bytes(), s.quotaBytes() == 0 ? "-" : s.quotaBytes(), s.sharedBytes(),
                        s.residentTokens() + "/" + (s.tokenBudget() == 0 ? "-" : s.tokenBudget()), s.pagedOut(),
                        s.members().isEmpty() ? "-" : String.join(",", s.members()));
            }
            t.print(System.out);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
