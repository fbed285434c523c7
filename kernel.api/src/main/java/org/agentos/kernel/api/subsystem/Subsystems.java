package org.agentos.kernel.api.subsystem;

import java.util.List;

/** What the kernel has bound for each of its SPIs. */
@org.osgi.annotation.versioning.ProviderType
public interface Subsystems {
    List<SubsystemBinding> bindings();
}
