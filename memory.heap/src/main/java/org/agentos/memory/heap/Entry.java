package org.agentos.memory.heap;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemEntry;

/**
 * One key's value. Immutable, so a fork's copied index and the archive can hold the same object
 * as the space it came from. A paged-out entry is a stub: no value, {@code resident} false; the
 * whole entry is in the space's {@link Archive}.
 */
record Entry(String key, long version, JsonNode json, byte[] blob, boolean isBlob, long bytes, boolean working,
             int tokens, String summary, boolean resident, long modifiedMillis, long modifiedBy) {

    /** What it counts against quotas: value, key and the entry's overhead (MemKey.charge). */
    long charged() {
        return org.agentos.kernel.api.memory.MemKey.charge(key, bytes);
    }

    EntryInfo info(String space) {
        return new EntryInfo(space, key, version, bytes, isBlob, working, tokens, resident, modifiedMillis, modifiedBy, summary);
    }

    /** What stays in the index while the value is in the archive. */
    Entry stub() {
        return new Entry(key, version, null, null, isBlob, bytes, working, tokens, summary, false, modifiedMillis, modifiedBy);
    }

    /** A copy for a caller: the stored document is never handed out (the caller could change it). */
    MemEntry toMem(String space) {
        return new MemEntry(info(space), json == null ? null : json.deepCopy(), blob);
    }
}
