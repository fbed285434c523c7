package org.agentos.kernel.impl.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.service.cm.Configuration;
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
    static final String AUTO = "auto";
    static final String PID = "org.agentos.kernel";

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

    /** The names of the installed implementations of {@code subsystem} ("fair (bundle)" -> "fair"). */
    static List<String> installed(Subsystems subsystems, String subsystem) {
        List<String> names = new ArrayList<>();
        for (SubsystemBinding b : subsystems.bindings()) {
            if (!b.subsystem().equals(subsystem)) continue;
            for (String c : b.candidates()) names.add(c.split(" ", 2)[0]);
        }
        return names;
    }

    @Override
    public Object execute() throws IOException {
        String target;
        if ("scheduler".equals(subsystem)) target = "Scheduler.target";
        else if ("hal".equals(subsystem)) target = "Hal.target";
        else if ("memory".equals(subsystem)) target = "MemoryManager.target";
        else throw ConsoleErrors.of("EINVAL", "subsystem '" + subsystem + "' cannot be swapped from here; subsystems: scheduler, hal, memory");
        List<String> names = installed(subsystems, subsystem);
        if (!AUTO.equals(implementation) && !names.contains(implementation)) {
            throw ConsoleErrors.of("ENOENT", "no " + subsystem + " '" + implementation + "' is installed (installed: "
                    + String.join(", ", names) + "; feature:list | grep agentos shows the others)");
        }
        if (!implementation.matches("[A-Za-z0-9_.-]+")) {
            throw ConsoleErrors.of("EINVAL", "bad implementation name '" + implementation + "'");
        }
        Configuration c = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        if (AUTO.equals(implementation)) {
            props.remove(target);
        } else {
            props.put(target, "(agentos.subsystem.name=" + implementation + ")");
        }
        c.update(props);
        String what = AUTO.equals(implementation) ? "the highest-ranked one will be bound" : "binding " + implementation;
        System.out.println(subsystem + ": " + what + ("hal".equals(subsystem)
                ? "; the kernel restarts on it, checkpointing and restoring every process (kernel:subsystems shows when)"
                : " (kernel:subsystems shows when it is bound)"));
        return null;
    }
}
