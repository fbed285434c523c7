package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A remote tool's input schema as the kernel's validator takes it: the keywords it checks are
 * kept, annotations too, and the others (anyOf, $ref, exclusiveMinimum, tuple items, ...) are left
 * out, so the kernel checks what it can and the remote server checks the rest. (The kernel refuses
 * a schema with a keyword it does not check, so that no tool believes it is protected when it is
 * not; a remote tool is protected by its own server.) Patterns Java cannot compile are left out too.
 */
final class SchemaSubset {
    private static final Set<String> KEPT = Set.of("properties", "required", "additionalProperties", "enum", "const",
            "minimum", "maximum", "minLength", "maxLength", "pattern", "items", "minItems", "maxItems",
            "title", "description", "default", "examples", "$comment", "format", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean", "null");
    private static final int MAX_DEPTH = 32;

    private SchemaSubset() {}

    /** The top-level schema of a tool's arguments: always an object schema. */
    static ObjectNode arguments(JsonNode remote) {
        ObjectNode s = remote != null && remote.isObject() ? of(remote, 0) : JsonNodeFactory.instance.objectNode();
        s.put("type", "object");
        return s;
    }

    static ObjectNode of(JsonNode remote, int depth) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (depth > MAX_DEPTH || !remote.isObject()) return out;
        JsonNode type = remote.get("type");
        if (type != null && type.isTextual() && TYPES.contains(type.asText())) out.set("type", type);
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) remote::fields) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (!KEPT.contains(k)) continue;
            switch (k) {
                case "properties" -> {
                    if (!v.isObject()) continue;
                    ObjectNode props = out.putObject("properties");
                    v.fields().forEachRemaining(p -> props.set(p.getKey(), of(p.getValue(), depth + 1)));
                }
                case "additionalProperties" -> {
                    if (v.isBoolean()) out.set(k, v);
                    else if (v.isObject()) out.set(k, of(v, depth + 1));
                }
                case "items" -> {
                    if (v.isObject()) out.set(k, of(v, depth + 1)); // a tuple (an array of schemas) is the server's to check
                }
                case "required" -> {
                    if (v.isArray()) out.set(k, v);
                }
                case "pattern" -> {
                    if (!v.isTextual()) continue;
                    try {
                        Pattern.compile(v.asText());
                        out.set(k, v);
                    } catch (PatternSyntaxException notJava) {
                        // an ECMAScript pattern Java does not read: the server checks it
                    }
                }
                default -> out.set(k, v);
            }
        }
        return out;
    }
}
