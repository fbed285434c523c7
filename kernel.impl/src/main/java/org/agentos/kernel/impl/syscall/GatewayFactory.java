package org.agentos.kernel.impl.syscall;

import java.util.function.Supplier;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;

/**
 * Hands each bundle its own {@link SyscallGateway} (a bundle-scoped service), so every call made
 * through it is attributed to that bundle in the audit log, and checks the bundle's
 * {@value KernelPermission#SYSCALL_GATEWAY} permission on every call: a revoke takes effect at
 * once, even for a bundle that obtained the gateway before.
 */
public final class GatewayFactory implements ServiceFactory<SyscallGateway> {
    private final Supplier<Kernel> kernel;
    private final PermissionRegistry permissions;

    public GatewayFactory(Supplier<Kernel> kernel, PermissionRegistry permissions) {
        this.kernel = kernel;
        this.permissions = permissions;
    }

    @Override
    public SyscallGateway getService(Bundle bundle, ServiceRegistration<SyscallGateway> registration) {
        return new BundleGateway(bundle);
    }

    @Override
    public void ungetService(Bundle bundle, ServiceRegistration<SyscallGateway> registration, SyscallGateway service) {
        // nothing held per bundle
    }

    /** A bundle's gateway: every call first checks that the bundle still holds the permission. */
    private final class BundleGateway extends KernelGateway {
        private final Bundle bundle;

        BundleGateway(Bundle bundle) {
            super(kernel, bundle.getSymbolicName());
            this.bundle = bundle;
        }

        @Override
        SyscallResult refusal(Kernel k, long pid, String syscall) {
            if (permissions.holds(bundle, KernelPermission.SYSCALL_GATEWAY)) return null;
            k.auditDenial(bundle(), KernelPermission.SYSCALL_GATEWAY, "call of " + syscall + " for pid " + pid);
            return SyscallResult.error(Errno.EPERM, "bundle " + bundle() + " does not hold permission "
                    + KernelPermission.SYSCALL_GATEWAY + " (perm:list shows grants)");
        }
    }
}
