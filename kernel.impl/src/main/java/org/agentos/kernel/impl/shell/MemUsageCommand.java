package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.memory.MemUsage;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mem", name = "usage", description = "Memory held per owner, against its quota.")
public class MemUsageCommand implements Action {
    @Reference
    KernelMemory memory;

    @Override
    public Object execute() {
        try {
            TextTable t = new TextTable("OWNER", "SPACES", "BYTES", "QUOTA", "USED");
            ConsoleUser user = ConsoleUser.current();
            for (MemUsage u : memory.bound().usage()) {
                if (!user.sees(u.owner())) continue;
                t.row(u.owner(), u.spaces(), u.bytes(), u.quotaBytes() == 0 ? "-" : u.quotaBytes(),
                        u.quotaBytes() == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * u.bytes() / u.quotaBytes()));
            }
            t.print(System.out);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
