package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the symbolic names of bundles that ask for or were granted permissions. */
@Service
public class PermBundleCompleter implements Completer {
    @Reference
    PermissionRegistry permissions;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        for (PermissionRegistry.BundlePermissions b : permissions.list()) delegate.getStrings().add(b.symbolicName());
        return delegate.complete(session, commandLine, candidates);
    }
}
