package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.SubsystemChoice;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.service.cm.ConfigurationAdmin;

@Service
@Command(scope = "kernel", name = "swap", description = "Binds another implementation of a kernel subsystem while the system runs.",
        detailedDescription = "kernel:swap scheduler fair   binds the scheduler named fair (it must be installed, e.g. "
                + "feature:install agentos-scheduler-fair); processes keep running, their queue positions carried over\n"
                + "kernel:swap hal jvm   binds the portable HAL; the kernel restarts on it (processes are checkpointed "
                + "and restored)\nkernel:swap memory heap   binds the in-heap memory manager; every space is carried "
                + "over (memory calls wait for the moment of the hand-over)\n"
                + "kernel:swap <subsystem> auto   binds the highest-ranked one again\n"
                + "The choice is kept in the kernel's configuration (PID org.agentos.kernel, Scheduler.target / Hal.target / "
                + "MemoryManager.target) and so survives a restart.")
public class SwapCommand implements Action {
    @Reference
    ConfigurationAdmin configAdmin;

    @Reference
    Subsystems subsystems;

    @Argument(index = 0, name = "subsystem", required = true, description = "the subsystem: scheduler, hal or memory")
    @Completion(value = StringsCompleter.class, values = {"scheduler", "hal", "memory"})
    String subsystem;

    @Argument(index = 1, name = "implementation", required = true,
            description = "the implementation's name as kernel:subsystems lists it, or auto")
    @Completion(ImplementationCompleter.class)
    String implementation;

    @Override
    public Object execute() {
        try {
            System.out.println(SubsystemChoice.choose(configAdmin, subsystems, subsystem, implementation));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
