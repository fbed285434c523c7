package org.agentos.kernel.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Choosing a subsystem's implementation (what {@code kernel:swap} and the web view's swap
 * control do): the choice is a target filter in the kernel's configuration, so SCR rebinds it
 * and it survives a restart.
 */
public final class SubsystemChoice {
    public static final String AUTO = "auto";
    static final String PID = "org.agentos.kernel";

    private SubsystemChoice() {}

    /** The names of the installed implementations of {@code subsystem} ("fair (bundle)" -> "fair"). */
    public static List<String> installed(Subsystems subsystems, String subsystem) {
        List<String> names = new ArrayList<>();
        for (SubsystemBinding b : subsystems.bindings()) {
            if (!b.subsystem().equals(subsystem)) continue;
            for (String c : b.candidates()) names.add(c.split(" ", 2)[0]);
        }
        return names;
    }

    /**
     * Binds {@code implementation} of {@code subsystem} ({@code auto}: the highest-ranked); returns
     * what will happen, in a sentence. EINVAL for another subsystem or a bad name, ENOENT for one
     * not installed, EIO when the configuration cannot be written.
     */
    public static String choose(ConfigurationAdmin configAdmin, Subsystems subsystems, String subsystem, String implementation)
            throws SyscallException {
        String target;
        if ("scheduler".equals(subsystem)) target = "Scheduler.target";
        else if ("hal".equals(subsystem)) target = "Hal.target";
        else if ("memory".equals(subsystem)) target = "MemoryManager.target";
        else throw new SyscallException(Errno.EINVAL, "subsystem '" + subsystem + "' cannot be swapped; subsystems: scheduler, hal, memory");
        if (implementation == null || !implementation.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new SyscallException(Errno.EINVAL, "bad implementation name '" + implementation + "'");
        }
        List<String> names = installed(subsystems, subsystem);
        if (!AUTO.equals(implementation) && !names.contains(implementation)) {
            throw new SyscallException(Errno.ENOENT, "no " + subsystem + " '" + implementation + "' is installed (installed: "
                    + String.join(", ", names) + "; feature:list | grep agentos shows the others)");
        }
        try {
            Configuration c = configAdmin.getConfiguration(PID, "?");
            Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
            if (AUTO.equals(implementation)) props.remove(target);
            else props.put(target, "(agentos.subsystem.name=" + implementation + ")");
            c.update(props);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "the kernel's configuration could not be written: " + e.getMessage());
        }
        String what = AUTO.equals(implementation) ? "the highest-ranked one will be bound" : "binding " + implementation;
        return subsystem + ": " + what + ("hal".equals(subsystem)
                ? "; the kernel restarts on it, checkpointing and restoring every process (kernel:subsystems shows when)"
                : " (kernel:subsystems shows when it is bound)");
    }
}
