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
@Command(scope = "perm", name = "revoke", description = "Revokes kernel permissions from a bundle (administrators only).",
        detailedDescription = "perm:revoke org.agentos.tools.example tool.provide\n"
                + "Takes effect at once: its tools leave the syscall table (calls in flight end with ENOSYS), its gateway "
                + "refuses calls, and a bundle that loses a permission while it uses another bundle's privileged service "
                + "that needs it is restarted so that it loses the service. Other bundles are not touched.")
public class PermRevokeCommand implements Action {
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
            Set<String> now = permissions.revoke(bundle, names, ConsoleUser.current().name());
            System.out.println(bundle + " is granted: " + (now.isEmpty() ? "nothing" : String.join(", ", now)));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
