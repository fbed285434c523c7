package org.agentos.tools.syscalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The bundle's one ObjectMapper, and schemas written as JSON text. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Parses a schema written in the source; a typo there is a bug, not a runtime condition. */
    static JsonNode schema(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("bad built-in schema: " + e.getMessage(), e);
        }
    }
}
