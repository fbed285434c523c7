package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mem", name = "unshare", description = "Deletes a shared memory space with everything in it; processes "
        + "waiting for one of its locks or semaphores get ENOENT.")
public class MemUnshareCommand implements Action {
    @Reference
    KernelMemory memory;

    @Argument(index = 0, name = "space", required = true, description = "shared/<name>, or the <name> mem:share was given")
    @Completion(SpaceCompleter.class)
    String space;

    @Override
    public Object execute() {
        String name = space.contains("/") ? space : "shared/" + space; // as mem:share takes it
        try {
            memory.deleteSpace(ConsoleUser.current().name(), name);
            System.out.println("deleted " + name);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
