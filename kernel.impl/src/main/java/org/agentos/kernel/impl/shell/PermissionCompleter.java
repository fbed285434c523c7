package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes permission names: the kernel's, and any a bundle asks for. */
@Service
public class PermissionCompleter implements Completer {
    @Reference
    PermissionRegistry permissions;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        delegate.getStrings().addAll(List.of(KernelPermission.KERNEL_ADMIN, KernelPermission.SYSCALL_GATEWAY,
                KernelPermission.FS_ADMIN, KernelPermission.MEM_ADMIN, KernelPermission.TOOL_PROVIDE));
        for (PermissionRegistry.BundlePermissions b : permissions.list()) delegate.getStrings().addAll(b.requested());
        return delegate.complete(session, commandLine, candidates);
    }
}
