package org.agentos.agent.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import org.agentos.agent.runtime.Sys;

/** What the generated stubs call: argument objects and the syscall itself. Not for workflows. */
public final class Stubs {
    private Stubs() {}

    /** A fresh argument object, starting from {@code options} (null: none). */
    public static ObjectNode args(ObjectNode options) {
        return options == null ? JsonNodeFactory.instance.objectNode() : options.deepCopy();
    }

    /** Sets {@code name} to {@code value} (null leaves it out). */
    public static void put(ObjectNode args, String name, Object value) {
        if (value != null) args.set(name, json(value));
    }

    private static JsonNode json(Object v) {
        if (v instanceof JsonNode n) return n;
        if (v instanceof String s) return JsonNodeFactory.instance.textNode(s);
        if (v instanceof Boolean b) return JsonNodeFactory.instance.booleanNode(b);
        if (v instanceof Integer i) return JsonNodeFactory.instance.numberNode(i);
        if (v instanceof Long l) return JsonNodeFactory.instance.numberNode(l);
        if (v instanceof Double d) return JsonNodeFactory.instance.numberNode(d);
        if (v instanceof Collection<?> c) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            for (Object o : c) a.add(o == null ? JsonNodeFactory.instance.nullNode() : json(o));
            return a;
        }
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    /** The syscall, as the workflow's process: a failure throws {@code SyscallFailure}. */
    public static JsonNode call(Object sys, String name, ObjectNode args) {
        return ((Sys) sys).call(name, args);
    }
}
