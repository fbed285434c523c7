package org.agentos.memory.hierarchical;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.memory.EntryInfo;

/**
 * One key's value as a tree holds it: immutable, so that a space and its fork can share it.
 * A paged-out working entry has no value here ({@code json} and {@code blob} null, {@code resident}
 * false); {@code archiveId} names its copy in the {@link Archive} (0: never archived).
 *
 * @param stamp the store's write sequence number when it was written: tells whether it predates a fork
 */
record Entry(String key, long version, JsonNode json, byte[] blob, boolean isBlob, long bytes, boolean working,
             int tokens, String summary, boolean resident, long archiveId, long modifiedMillis, long modifiedBy,
             long stamp) {

    EntryInfo info(String space) {
        return new EntryInfo(space, key, version, bytes, isBlob, working, tokens, resident, modifiedMillis, modifiedBy, summary);
    }

    /** What it counts against quotas: value, key and the entry's overhead (MemKey.charge). */
    long charged() {
        return org.agentos.kernel.api.memory.MemKey.charge(key, bytes);
    }

    /** Resident bytes: what paging this entry out frees. */
    long residentBytes() {
        return resident ? bytes : 0;
    }

    Entry pagedOut(long archiveId) {
        return new Entry(key, version, null, null, isBlob, bytes, working, tokens, summary, false, archiveId,
                modifiedMillis, modifiedBy, stamp);
    }

    Entry pagedIn(JsonNode json, byte[] blob) {
        return new Entry(key, version, json, blob, isBlob, bytes, working, tokens, summary, true, archiveId,
                modifiedMillis, modifiedBy, stamp);
    }
}
