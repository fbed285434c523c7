package org.agentos.kernel.impl.shell;

import java.util.Locale;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "tool", name = "list", description = "Lists the system calls agents can make: the kernel's own and every tool bundle's.")
public class ToolListCommand implements Action {
    @Reference
    SyscallGateway gateway;

    @Argument(index = 0, name = "prefix", description = "only names starting with this, e.g. fs. or http")
    String prefix = "";

    @Override
    public Object execute() {
        TextTable t = new TextTable("NAME", "VERSION", "CLASS", "CAPABILITIES", "PROVIDER", "DESCRIPTION");
        for (ToolDescriptor d : gateway.tools()) {
            if (!d.name().startsWith(prefix)) continue;
            t.row(d.name(), d.version(), d.resourceClass().name().toLowerCase(Locale.ROOT),
                    d.capabilities().isEmpty() ? "-" : String.join(",", d.capabilities()),
                    gateway.provider(d.name()).orElse("-"), d.description());
        }
        t.print(System.out);
        return null;
    }
}
