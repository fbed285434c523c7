package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * The syscall table seen from outside a program: the console's {@code tool:*} commands, tools
 * that compose other tools (an LLM's tool calls), test harnesses. The kernel registers it as a
 * bundle-scoped service: each bundle gets its own gateway, and every call made through it is
 * audited with that bundle's name. It is a privileged service (permission
 * {@link org.agentos.kernel.api.security.KernelPermission#SYSCALL_GATEWAY}): bundles without the
 * grant do not see it, and a revoked gateway refuses calls with {@code EPERM}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface SyscallGateway {

    /** Every syscall in the table now, sorted by name. */
    List<ToolDescriptor> tools();

    /** The descriptor of one syscall, or empty when no bundle provides it. */
    Optional<ToolDescriptor> describe(String name);

    /** The bundle that provides {@code name} ({@code kernel} for the kernel's own calls), or empty. */
    Optional<String> provider(String name);

    /**
     * Makes syscall {@code name} on behalf of process {@code pid}, through the whole mediation
     * path: its capabilities, quotas, accounting and audit are the process's. Calls that block
     * their caller ({@code proc.sleep}, {@code proc.wait}) fail with {@code EINVAL}. Never throws:
     * every failure is an errno in the result.
     */
    SyscallResult call(long pid, String name, JsonNode args);

    /**
     * Whether {@code name} can be made through this gateway: it is in the table, and it is not a
     * call that only parks its own process ({@code proc.sleep}, {@code proc.wait},
     * {@code ipc.recv}), which {@link #call} refuses with {@code EINVAL}.
     *
     * @since 1.3
     */
    default boolean callable(String name) {
        return describe(name).isPresent();
    }

    /** The bundle this gateway speaks for (its symbolic name), as the audit records it. */
    String bundle();
}
