package org.agentos.kernel.api.subsystem;

import java.util.List;

/** What the kernel has bound for each of its SPIs. */
@org.osgi.annotation.versioning.ProviderType
public interface Subsystems {
    List<SubsystemBinding> bindings();

    /**
     * The name of the implementation the kernel uses now for {@code subsystem} ({@code scheduler},
     * {@code hal} or {@code memory}: what {@code kernel:swap} chooses), or null when none is bound
     * or the subsystem is not one of those. Cheap, unlike {@link #bindings()}: for a bundle that
     * follows the kernel's choice call by call (the VFS's {@code /mem} reads the bound memory manager).
     */
    String bound(String subsystem);

    /**
     * Binds {@code implementation} of {@code subsystem} ({@code scheduler}, {@code hal} or
     * {@code memory}; {@code auto}: the highest-ranked), as {@code kernel:swap} does: the choice is
     * kept in the kernel's configuration and the swap follows a moment later. Returns what will
     * happen, in a sentence. EINVAL for another subsystem or a bad name, ENOENT for one not
     * installed. Since 1.2.
     */
    String choose(String subsystem, String implementation) throws org.agentos.kernel.api.syscall.SyscallException;
}
