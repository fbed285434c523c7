package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelDebugger;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "state", description = "Shows a process's program state as JSON, with the call it is "
        + "making or held at and the last result it was given.")
public class StateCommand implements Action {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Argument(index = 0, name = "pid", required = true, description = "process id")
    @Completion(PidCompleter.class)
    long pid;

    @Override
    public Object execute() throws Exception {
        ConsoleUser.current().requireOwnerOf(processes, pid);
        try {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(debugger.state(pid)));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
