package org.agentos.kernel.impl.shell;

import java.util.Set;
import java.util.TreeSet;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "perm", name = "list", description = "Lists the kernel permissions bundles ask for, are granted and hold.",
        detailedDescription = "A bundle asks in its manifest (Require-Capability: agentos.permission); an administrator "
                + "grants (perm:grant, stored in etc/org.agentos.permissions.cfg). It holds a permission when both are true. "
                + "MISSING lists what it asks for and was not granted.")
public class PermListCommand implements Action {
    @Reference
    PermissionRegistry permissions;

    @Argument(index = 0, name = "bundle", description = "only this bundle symbolic name")
    @Completion(PermBundleCompleter.class)
    String bundle;

    @Override
    public Object execute() {
        TextTable t = new TextTable("ID", "BUNDLE", "STATE", "REQUESTED", "GRANTED", "HELD", "MISSING");
        for (PermissionRegistry.BundlePermissions b : permissions.list()) {
            if (bundle != null && !bundle.equals(b.symbolicName())) continue;
            Set<String> missing = new TreeSet<>(b.requested());
            missing.removeAll(b.granted());
            t.row(b.id() < 0 ? "-" : b.id(), b.symbolicName(), b.state(), join(b.requested()), join(b.granted()),
                    join(b.held()), join(missing));
        }
        if (bundle != null && t.size() == 0) {
            throw ConsoleErrors.of("ENOENT", "bundle " + bundle + " neither asks for nor was granted any permission");
        }
        t.print(System.out);
        return null;
    }

    private static String join(Set<String> s) {
        return s.isEmpty() ? "-" : String.join(",", s);
    }
}
