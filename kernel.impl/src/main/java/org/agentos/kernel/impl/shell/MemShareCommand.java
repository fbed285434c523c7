package org.agentos.kernel.impl.shell;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mem", name = "share", description = "Creates the shared memory space shared/<name>; agents of its "
        + "owner and of the owners named with -m reach it with mem:read:shared/<name> and mem:write:shared/<name>.")
public class MemShareCommand implements Action {
    @Reference
    KernelMemory memory;

    @Argument(index = 0, name = "name", required = true, description = "letters, digits, . _ - (at most 128)")
    String name;

    @Option(name = "--persistent", description = "survives a restart and a crash (writes are acknowledged once on disk)")
    boolean persistent;

    @Option(name = "-q", aliases = "--quota", description = "bytes the space may hold (default: only its owner's quota)")
    long quotaBytes;

    @Option(name = "-m", aliases = "--member", multiValued = true,
            description = "an owner besides the creator whose agents may use it (repeat for more); nobody else may")
    List<String> members;

    @Option(name = "-o", aliases = "--owner", description = "owner (tenant) whose quota it counts against; default: root "
            + "for administrators, else your user name (as agent:spawn, so that the agents you spawn may use it)")
    String owner;

    /** Administrators may share for any owner; other users only for themselves. */
    private String ownerForUser() {
        ConsoleUser user = ConsoleUser.current();
        return user.ownerFor(owner, "root"); // as agent:spawn: the console's queues and agents are one owner's
    }

    @Override
    public Object execute() {
        String forOwner = ownerForUser();
        try {
            SharedSpec spec = new SharedSpec(persistent, quotaBytes, members == null ? Set.of() : new HashSet<>(members));
            SpaceInfo s = memory.bound().share(MemCaller.operator(forOwner), name, spec);
            System.out.println("created " + s.name() + " (owner " + s.owner() + (s.persistent() ? ", persistent" : "")
                    + (s.quotaBytes() > 0 ? ", quota " + s.quotaBytes() + " bytes" : "")
                    + (s.members().isEmpty() ? "" : ", members " + String.join(",", s.members())) + ")");
        } catch (IllegalArgumentException e) {
            throw ConsoleErrors.of("EINVAL", e.getMessage());
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
