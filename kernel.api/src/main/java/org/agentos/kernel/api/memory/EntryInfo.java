package org.agentos.kernel.api.memory;

/**
 * One key of a space, without its value.
 *
 * @param space          the space
 * @param key            the key
 * @param version        1 for the first write, +1 per write; what {@code mem.cas} compares
 * @param bytes          the stored size of the value (counted against quotas)
 * @param blob           a byte blob rather than a JSON document
 * @param working        an entry of the context window
 * @param tokens         its size in tokens (working entries)
 * @param resident       false when it was paged out to the archive (working entries only)
 * @param modifiedMillis when it was last written
 * @param modifiedBy     the pid that wrote it last (0: operator or kernel)
 * @param summary        what stays resident of a working entry when it is paged out; null = none
 */
public record EntryInfo(String space, String key, long version, long bytes, boolean blob, boolean working, int tokens,
                        boolean resident, long modifiedMillis, long modifiedBy, String summary) {}
