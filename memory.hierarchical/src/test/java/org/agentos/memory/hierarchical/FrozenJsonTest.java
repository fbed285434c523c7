package org.agentos.memory.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class FrozenJsonTest {
    @Test
    void aFrozenTreeRefusesChangesAllTheWayDownAndEqualsTheOriginal() throws Exception {
        JsonNode original = MemoryStore.JSON.readTree("{\"a\":1,\"list\":[{\"b\":2}],\"s\":\"x\"}");
        JsonNode frozen = FrozenJson.freeze(original);
        assertEquals(original, frozen);
        assertEquals(frozen, original);
        assertThrows(UnsupportedOperationException.class, () -> ((ObjectNode) frozen).put("a", 2));
        assertThrows(UnsupportedOperationException.class, () -> ((ArrayNode) frozen.get("list")).add(3));
        assertThrows(UnsupportedOperationException.class, () -> ((ObjectNode) frozen.get("list").get(0)).remove("b"));
        ObjectNode copy = (ObjectNode) frozen.deepCopy();
        copy.put("a", 2); // a deep copy is an ordinary tree
        assertEquals(1, frozen.get("a").asInt());
        assertEquals(MemoryStore.JSON.writeValueAsString(original), MemoryStore.JSON.writeValueAsString(frozen));
    }

    @Test
    void freezingAFrozenTreeAgainReturnsItWhileAPlainTreeIsCopied() throws Exception {
        JsonNode plain = MemoryStore.JSON.readTree("[1,{\"c\":[true]}]");
        JsonNode frozen = FrozenJson.freeze(plain);
        assertNotSame(plain, frozen);
        assertSame(frozen, FrozenJson.freeze(frozen));
        assertSame(frozen.get(1), FrozenJson.freeze(frozen.get(1)));
    }
}
