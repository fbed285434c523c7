package org.agentos.kernel.api.memory;

/**
 * How to create a shared space.
 *
 * @param persistent  survives a restart and a crash (a write is acknowledged once it is on disk)
 * @param quotaBytes  what the space may hold; 0 = only its owner's quota applies
 */
public record SharedSpec(boolean persistent, long quotaBytes) {
    public SharedSpec {
        if (quotaBytes < 0) throw new IllegalArgumentException("quotaBytes must be >= 0");
    }
}
