package org.agentos.tools.example;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The bundle's one ObjectMapper, and schemas written as JSON text so that they read like the JSON Schema they are. */
final class Schemas {
    static final ObjectMapper JSON = new ObjectMapper();

    private Schemas() {}

    /** Parses a schema written in the source; a typo there is a bug of this bundle, not of the caller. */
    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bad built-in schema: " + text, e);
        }
    }
}
