package org.agentos.kernel.api.memory;

import java.util.Set;
import org.agentos.kernel.api.security.OwnerNames;

/**
 * How to create a shared space.
 *
 * @param persistent  survives a restart and a crash (a write is acknowledged once it is on disk)
 * @param quotaBytes  what the space may hold; 0 = only its owner's quota applies
 * @param members     owners besides its own whose processes may reach it (with the capability as
 *                    well); nobody else may, whatever capability they hold, short of {@code mem:admin}
 */
public record SharedSpec(boolean persistent, long quotaBytes, Set<String> members) {
    public SharedSpec {
        if (quotaBytes < 0) throw new IllegalArgumentException("quotaBytes must be >= 0");
        members = OwnerNames.members(members);
    }

    /** A space only its owner's processes reach. */
    public SharedSpec(boolean persistent, long quotaBytes) {
        this(persistent, quotaBytes, Set.of());
    }
}
