package org.agentos.memory.hierarchical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only JSON trees: what the store keeps as an {@link Entry}'s value and hands out in a
 * {@link org.agentos.kernel.api.memory.MemEntry}. Jackson's containers are mutable, but every
 * mutator of {@link ObjectNode} and {@link ArrayNode} goes through the map or list it is built
 * on, so one built on an unmodifiable map or list refuses changes (UnsupportedOperationException)
 * all the way down. That makes a stored value immutable by construction: a get returns the
 * stored tree itself instead of a deep copy per call, a fork shares it, and a caller (the kernel
 * only serializes it; a trusted bundle might try to edit it) cannot change the store behind its
 * back. Who wants to edit a value takes {@code deepCopy()}, which is an ordinary mutable tree.
 */
final class FrozenJson {
    private FrozenJson() {}

    /** An object node built here: read-only all the way down, so freezing it again is a no-op. */
    private static final class FrozenObject extends ObjectNode {
        FrozenObject(Map<String, JsonNode> kids) {
            super(JsonNodeFactory.instance, Collections.unmodifiableMap(kids));
        }
    }

    /** An array node built here, as {@link FrozenObject}. */
    private static final class FrozenArray extends ArrayNode {
        FrozenArray(List<JsonNode> kids) {
            super(JsonNodeFactory.instance, Collections.unmodifiableList(kids));
        }
    }

    /**
     * A read-only copy of {@code node}, or the node itself when it is already immutable: a
     * scalar, or a tree frozen here before (a document coming back from a swap through another
     * manager that kept it as it was).
     */
    static JsonNode freeze(JsonNode node) {
        if (node instanceof FrozenObject || node instanceof FrozenArray) return node;
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, JsonNode> kids = new LinkedHashMap<>(Math.max(4, node.size() * 4 / 3 + 1));
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    kids.put(f.getKey(), freeze(f.getValue()));
                }
                yield new FrozenObject(kids);
            }
            case ARRAY -> {
                List<JsonNode> kids = new ArrayList<>(node.size());
                for (JsonNode k : node) kids.add(freeze(k));
                yield new FrozenArray(kids);
            }
            // BinaryNode hands out its array and POJONode any object: keep what they serialize to,
            // which is also what a persistent space reads back from its log
            case BINARY, POJO -> freeze(reparse(node));
            default -> node; // text, numbers, booleans, null, missing: immutable already
        };
    }

    private static JsonNode reparse(JsonNode node) {
        try {
            return MemoryStore.JSON.readTree(MemoryStore.JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
