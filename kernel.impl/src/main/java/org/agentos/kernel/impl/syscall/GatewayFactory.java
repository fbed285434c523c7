package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
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

    private final class BundleGateway implements SyscallGateway {
        private final Bundle bundle;
        private final String name;

        BundleGateway(Bundle bundle) {
            this.bundle = bundle;
            this.name = bundle.getSymbolicName();
        }

        @Override
        public List<ToolDescriptor> tools() {
            Kernel k = kernel.get();
            return k == null ? List.of() : k.descriptors();
        }

        @Override
        public Optional<ToolDescriptor> describe(String syscall) {
            Kernel k = kernel.get();
            return k == null ? Optional.empty() : Optional.ofNullable(k.descriptor(syscall));
        }

        @Override
        public Optional<String> provider(String syscall) {
            Kernel k = kernel.get();
            return k == null ? Optional.empty() : Optional.ofNullable(k.provider(syscall));
        }

        @Override
        public SyscallResult call(long pid, String syscall, JsonNode args) {
            Kernel k = kernel.get();
            if (k == null) return SyscallResult.error(Errno.EAGAIN, "the kernel is not running (it may be restarting)");
            if (!permissions.holds(bundle, KernelPermission.SYSCALL_GATEWAY)) {
                k.auditDenial(name, KernelPermission.SYSCALL_GATEWAY, "call of " + syscall + " for pid " + pid);
                return SyscallResult.error(Errno.EPERM, "bundle " + name + " does not hold permission "
                        + KernelPermission.SYSCALL_GATEWAY + " (perm:list shows grants)");
            }
            return k.call(pid, syscall, args, name);
        }

        @Override
        public boolean callable(String syscall) {
            Kernel k = kernel.get();
            return k != null && k.callableFromOutside(syscall);
        }

        @Override
        public String bundle() {
            return name;
        }
    }
}
