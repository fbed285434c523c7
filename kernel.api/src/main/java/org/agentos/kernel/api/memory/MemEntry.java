package org.agentos.kernel.api.memory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A key and its value: {@code json} for a document, {@code blob} for bytes (the other is null).
 * A blob array belongs to the manager: read it, do not change it.
 */
public record MemEntry(EntryInfo info, JsonNode json, byte[] blob) {}
