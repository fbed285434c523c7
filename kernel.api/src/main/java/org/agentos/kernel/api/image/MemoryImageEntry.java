package org.agentos.kernel.api.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One entry of a process's user space in an image: a JSON document or a blob, and, for an entry of
 * its context window, its token count and summary.
 */
public record MemoryImageEntry(String key, JsonNode json, byte[] blob, boolean working, int tokens, String summary) {
    public MemoryImageEntry {
        Objects.requireNonNull(key, "key");
        if ((json == null) == (blob == null)) throw new IllegalArgumentException("an entry is either JSON or a blob");
    }

    /** Its size in bytes as it is kept: the blob, or the JSON's length. */
    public long bytes() {
        return blob != null ? blob.length : json.toString().length();
    }
}
