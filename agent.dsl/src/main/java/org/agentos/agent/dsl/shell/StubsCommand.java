package org.agentos.agent.dsl.shell;

import org.agentos.agent.dsl.Workflows;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "dsl", name = "stubs", description = "Prints the typed stubs workflows compile against: the Tools "
        + "class, or one tool's method, options and result (regenerated as tools come and go).")
public class StubsCommand implements Action {
    @Reference
    Workflows workflows;

    @Argument(index = 0, name = "tool", description = "a tool's name, e.g. fs.write")
    String tool;

    @Override
    public Object execute() {
        try {
            System.out.print(workflows.stubs(tool));
            return null;
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
    }
}
