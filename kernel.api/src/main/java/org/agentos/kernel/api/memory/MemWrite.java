package org.agentos.kernel.api.memory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A value to store under a key: a JSON document or a byte blob, optionally a <em>working</em>
 * entry of the process's context window (with its size in tokens, estimated from the text when
 * not given, and a summary that stays resident when the entry is paged out).
 */
public final class MemWrite {
    private final JsonNode json;
    private final byte[] blob;
    private final boolean working;
    private final int tokens;
    private final String summary;

    private MemWrite(JsonNode json, byte[] blob, boolean working, int tokens, String summary) {
        this.json = json;
        this.blob = blob;
        this.working = working;
        this.tokens = tokens;
        this.summary = summary;
    }

    public static MemWrite json(JsonNode value) {
        return new MemWrite(Objects.requireNonNull(value, "value"), null, false, 0, null);
    }

    /** A blob; the array is not copied, the caller must not change it afterwards. */
    public static MemWrite blob(byte[] value) {
        return new MemWrite(null, Objects.requireNonNull(value, "value"), false, 0, null);
    }

    /** This value as a working entry of the context window; {@code tokens} 0 = estimate. */
    public MemWrite working(int tokens, String summary) {
        if (tokens < 0) throw new IllegalArgumentException("tokens must be >= 0");
        return new MemWrite(json, blob, true, tokens, summary);
    }

    /** The JSON document, or null for a blob. */
    public JsonNode json() { return json; }

    /** The blob, or null for a JSON document. */
    public byte[] blob() { return blob; }

    public boolean working() { return working; }

    /** Tokens it counts in the context window; 0 = let the manager estimate. */
    public int tokens() { return tokens; }

    /** What stays resident of it when it is paged out; null = none. */
    public String summary() { return summary; }
}
