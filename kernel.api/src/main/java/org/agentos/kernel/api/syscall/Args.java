package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small helpers to build syscall arguments without an ObjectMapper. */
public final class Args {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Args() {}

    public static ObjectNode none() {
        return NODES.objectNode();
    }

    /** {@code Args.of("pid", 7, "ms", 100)}: alternating names and values (String, Number, Boolean, JsonNode). */
    public static ObjectNode of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs");
        }
        ObjectNode node = NODES.objectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], toNode(namesAndValues[i + 1]));
        }
        return node;
    }

    static JsonNode toNode(Object v) {
        if (v == null) return NODES.nullNode();
        if (v instanceof JsonNode n) return n;
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Integer i) return NODES.numberNode(i);
        if (v instanceof Long l) return NODES.numberNode(l);
        if (v instanceof Double d) return NODES.numberNode(d);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        throw new IllegalArgumentException("unsupported argument type " + v.getClass().getName());
    }
}
