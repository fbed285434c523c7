package org.agentos.kernel.api.memory;

/**
 * What a compare-and-set did.
 *
 * @param swapped whether the value was written
 * @param current the entry as it is now (the new one when swapped); null when the key does not exist
 */
public record CasOutcome(boolean swapped, EntryInfo current) {}
