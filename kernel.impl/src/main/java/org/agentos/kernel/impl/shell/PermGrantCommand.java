package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.Set;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "perm", name = "grant", description = "Grants kernel permissions a bundle asks for (administrators only).",
        detailedDescription = "perm:grant org.agentos.tools.example tool.provide\n"
                + "Takes effect at once: the bundle's tools enter the syscall table, privileged services become visible "
                + "to it. Stored in etc/org.agentos.permissions.cfg.")
public class PermGrantCommand implements Action {
    @Reference
    PermissionRegistry permissions;

    @Argument(index = 0, name = "bundle", required = true, description = "bundle symbolic name")
    @Completion(PermBundleCompleter.class)
    String bundle;

    @Argument(index = 1, name = "permissions", required = true, multiValued = true, description = "permission names")
    @Completion(PermissionCompleter.class)
    List<String> names;

    @Override
    public Object execute() {
        try {
            Set<String> now = permissions.grant(bundle, names, ConsoleUser.current().name());
            System.out.println(bundle + " is granted: " + String.join(", ", now));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
