package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads program arguments; a wrong one is an IllegalArgumentException, which spawn reports as EINVAL. */
final class Arguments {
    private Arguments() {}

    static long nonNegative(JsonNode args, String name, long dflt) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw new IllegalArgumentException(name + " must be a non-negative integer, not " + v);
        }
        return v.asLong();
    }

    static String text(JsonNode args, String name, String dflt) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new IllegalArgumentException(name + " must be a string, not " + v);
        return v.asText();
    }
}
