package org.agentos.kernel.impl.shell;

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
@Command(scope = "agent", name = "step", description = "A paused process goes on for one step: the call it is held at is "
        + "made, one step of its program runs, and it pauses again at the call that step asks for (agent:state shows it).")
public class StepCommand implements Action {
    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Argument(index = 0, name = "pid", required = true, description = "a paused process")
    @Completion(PidCompleter.class)
    long pid;

    @Override
    public Object execute() throws Exception {
        ConsoleUser.current().requireOwnerOf(processes, pid);
        try {
            debugger.stepOnce(pid);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        System.out.println("stepping pid " + pid);
        return null;
    }
}
