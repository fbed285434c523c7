package org.agentos.kernel.impl.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SchemaValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode j(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static SchemaValidator v(String schema) throws Exception {
        return SchemaValidator.compile(j(schema));
    }

    @Test
    void acceptsValidArguments() throws Exception {
        SchemaValidator v = v("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0},"
                + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":2}},\"required\":[\"n\"],"
                + "\"additionalProperties\":false}");
        assertNull(v.validate(j("{\"n\":3,\"tags\":[\"a\",\"b\"]}")));
    }

    @Test
    void namesThePathOfTheFirstError() throws Exception {
        SchemaValidator v = v("{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}");
        assertEquals("args.tags[1] must be a string, not an integer", v.validate(j("{\"tags\":[\"a\",2]}")));
    }

    @Test
    void enforcesBoundsLengthsEnumsAndClosedObjects() throws Exception {
        SchemaValidator v = v("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"maximum\":5},"
                + "\"s\":{\"type\":\"string\",\"maxLength\":3},\"e\":{\"enum\":[\"a\",\"b\"]}},\"additionalProperties\":false}");
        assertEquals("args.n must be at most 5", v.validate(j("{\"n\":6}")));
        assertEquals("args.s must have at most 3 characters", v.validate(j("{\"s\":\"abcd\"}")));
        assertTrue(v.validate(j("{\"e\":\"c\"}")).startsWith("args.e must be one of"));
        assertTrue(v.validate(j("{\"x\":1}")).startsWith("args.x is not a known argument"));
    }

    @Test
    void namesTheItemOfABatchThatFails() throws Exception {
        SchemaValidator v = v("{\"type\":\"object\",\"properties\":{\"messages\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                + "\"properties\":{\"payload\":{},\"key\":{\"type\":\"string\",\"minLength\":1}},\"additionalProperties\":false}}}}");
        assertNull(v.validate(j("{\"messages\":[{\"payload\":1},{\"payload\":{\"any\":[1,\"x\"]},\"key\":\"k\"}]}")));
        assertEquals("args.messages[2].key must have at least 1 characters",
                v.validate(j("{\"messages\":[{\"payload\":1},{\"key\":\"a\"},{\"key\":\"\"}]}")));
        assertTrue(v.validate(j("{\"messages\":[{\"payload\":1,\"extra\":2}]}")).startsWith("args.messages[0].extra is not a known argument"));
    }

    @Test
    void knowsPropertiesWhateverHowTheirNamesWereMadeAndHowManyThereAre() throws Exception {
        StringBuilder props = new StringBuilder();
        for (int i = 0; i < 12; i++) props.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"integer\"}");
        SchemaValidator many = v("{\"type\":\"object\",\"properties\":{" + props + "},\"additionalProperties\":false}");
        SchemaValidator few = v("{\"type\":\"object\",\"properties\":{\"p1\":{\"type\":\"integer\"}},\"additionalProperties\":false}");
        for (SchemaValidator v : new SchemaValidator[] {many, few}) {
            // a field name built at run time is not interned: found by equality, still checked
            com.fasterxml.jackson.databind.node.ObjectNode args = JSON.createObjectNode();
            args.put(new String(new char[] {'p', '1'}), "one");
            assertEquals("args.p1 must be an integer, not a string", v.validate(args));
            assertNull(v.validate(j("{\"p1\":1}")));
            assertTrue(v.validate(j("{\"p99\":1}")).startsWith("args.p99 is not a known argument"));
        }
    }

    @Test
    void refusesSchemasItCannotEnforce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v("{\"type\":\"object\",\"oneOf\":[]}"));
        assertTrue(e.getMessage().contains("oneOf"));
        assertThrows(IllegalArgumentException.class, () -> v("{\"type\":\"strnig\"}"));
        assertThrows(IllegalArgumentException.class, () -> v("{\"type\":[]}"), "a type that admits nothing");
    }
}
