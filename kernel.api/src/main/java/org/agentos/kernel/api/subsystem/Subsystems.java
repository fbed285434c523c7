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
}
