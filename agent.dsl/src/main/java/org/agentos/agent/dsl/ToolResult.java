package org.agentos.agent.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A tool's result as the stubs return it: typed accessors over its JSON, which {@link #json()} gives whole. */
public abstract class ToolResult {
    private final JsonNode json;

    protected ToolResult(JsonNode json) {
        this.json = json;
    }

    /** The whole result. */
    public final JsonNode json() {
        return json;
    }

    private JsonNode get(String name) {
        JsonNode v = json == null ? null : json.get(name);
        return v == null || v.isNull() ? null : v;
    }

    protected final String text(String name) {
        JsonNode v = get(name);
        return v == null ? null : v.isValueNode() ? v.asText() : v.toString();
    }

    protected final Long integer(String name) {
        JsonNode v = get(name);
        return v == null ? null : v.asLong();
    }

    protected final Double number(String name) {
        JsonNode v = get(name);
        return v == null ? null : v.asDouble();
    }

    protected final Boolean bool(String name) {
        JsonNode v = get(name);
        return v == null ? null : v.asBoolean();
    }

    protected final List<String> texts(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) out.add(e.isValueNode() ? e.asText() : e.toString());
        return out;
    }

    protected final JsonNode node(String name) {
        return get(name);
    }

    @Override
    public String toString() {
        return String.valueOf(json);
    }
}
