package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;

/**
 * The syscall table seen from outside a program, for one bundle: what {@link GatewayFactory} hands
 * each bundle in OSGi (adding the permission check), and what {@link Kernel#gateway} gives code
 * outside OSGi (tests, benchmarks).
 */
public class KernelGateway implements SyscallGateway {
    private final Supplier<Kernel> kernel;
    private final String bundle;

    public KernelGateway(Supplier<Kernel> kernel, String bundle) {
        this.kernel = kernel;
        this.bundle = bundle;
    }

    /** Why a call of {@code syscall} for {@code pid} is refused before the kernel sees it, or null. */
    SyscallResult refusal(Kernel k, long pid, String syscall) {
        return null;
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
    public boolean callable(String syscall) {
        Kernel k = kernel.get();
        return k != null && k.callableFromOutside(syscall);
    }

    @Override
    public SyscallResult call(long pid, String syscall, JsonNode args) {
        Kernel k = kernel.get();
        if (k == null) return SyscallResult.error(Errno.EAGAIN, "the kernel is not running (it may be restarting)");
        SyscallResult refused = refusal(k, pid, syscall);
        return refused != null ? refused : k.call(pid, syscall, args, bundle);
    }

    @Override
    public String bundle() {
        return bundle;
    }
}
