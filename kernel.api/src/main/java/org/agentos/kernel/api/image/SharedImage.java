package org.agentos.kernel.api.image;

import java.util.List;
import java.util.Objects;
import org.agentos.kernel.api.memory.SharedSpec;

/**
 * A shared memory segment an agent uses, as its image holds it ({@code --with-shared}): its name
 * ({@code shared/<name>}), owner, spec and entries at the cut.
 */
public record SharedImage(String name, String owner, SharedSpec spec, List<MemoryImageEntry> entries) {
    public SharedImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(spec, "spec");
        entries = entries == null ? List.of() : List.copyOf(entries);
    }
}
