package org.agentos.kernel.impl;

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
    void refusesSchemasItCannotEnforce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v("{\"type\":\"object\",\"oneOf\":[]}"));
        assertTrue(e.getMessage().contains("oneOf"));
        assertThrows(IllegalArgumentException.class, () -> v("{\"type\":\"strnig\"}"));
    }
}
