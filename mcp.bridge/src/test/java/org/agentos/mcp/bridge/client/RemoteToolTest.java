package org.agentos.mcp.bridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.junit.jupiter.api.Test;

/** A remote MCP tool as a syscall: its name, its schema as the kernel checks it, its result. */
class RemoteToolTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void remoteNamesBecomeOneDottedSegment() {
        assertEquals("get_tiny_image", RemoteTool.segment("getTinyImage"));
        assertEquals("get_tiny_image", RemoteTool.segment("get-tiny-image"));
        assertEquals("echo", RemoteTool.segment("echo"));
        assertEquals("t2_fa", RemoteTool.segment("2FA"));
        assertEquals("tool", RemoteTool.segment("--"));
    }

    @Test
    void theDescriptorNamesServerAndToolAndNeedsItsCapability() throws Exception {
        JsonNode remote = JSON.readTree("{\"name\":\"echo\",\"description\":\"Echoes back\",\"inputSchema\":{\"type\":\"object\","
                + "\"properties\":{\"message\":{\"type\":\"string\",\"description\":\"what\"}},\"required\":[\"message\"]}}");
        RemoteTool t = new RemoteTool("everything", "mcp.everything.echo", remote, Duration.ofSeconds(5), () -> null);
        assertEquals("mcp.everything.echo", t.descriptor().name());
        assertEquals(java.util.List.of("tool:mcp.everything.echo"), t.descriptor().capabilities());
        assertEquals(ResourceClass.NET, t.descriptor().resourceClass());
        assertEquals("[MCP everything] Echoes back", t.descriptor().description());
        assertEquals("string", t.descriptor().argsSchema().path("properties").path("message").path("type").asText());
        assertEquals("message", t.descriptor().argsSchema().path("required").path(0).asText());
        // not connected: EIO, not a hang
        var failed = t.callAsync(null, JSON.createObjectNode()).toCompletableFuture();
        assertTrue(failed.isCompletedExceptionally());
    }

    @Test
    void keywordsTheKernelDoesNotCheckAreLeftToTheServer() throws Exception {
        JsonNode s = SchemaSubset.arguments(JSON.readTree("{\"type\":\"object\",\"properties\":{"
                + "\"n\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":10},"
                + "\"either\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]},"
                + "\"nullable\":{\"type\":[\"string\",\"null\"]},"
                + "\"tuple\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]},"
                + "\"re\":{\"type\":\"string\",\"pattern\":\"(?<x)\"}},\"$defs\":{\"a\":{}}}"));
        assertEquals("object", s.path("type").asText());
        assertEquals(10, s.path("properties").path("n").path("maximum").asInt());
        assertFalse(s.path("properties").path("n").has("exclusiveMinimum"));
        assertEquals(0, s.path("properties").path("either").size(), "anyOf: the server's");
        assertFalse(s.path("properties").path("nullable").has("type"), "a type list: the server's");
        assertFalse(s.path("properties").path("tuple").has("items"));
        assertFalse(s.path("properties").path("re").has("pattern"), "not a Java pattern");
        assertFalse(s.has("$defs"));
    }

    @Test
    void theResultIsTheStructuredContentOrTheText() throws Exception {
        JsonNode structured = JSON.readTree("{\"content\":[{\"type\":\"text\",\"text\":\"3\"}],\"structuredContent\":{\"sum\":3}}");
        assertEquals(3, RemoteTool.value(structured).path("sum").asInt());
        JsonNode text = JSON.readTree("{\"content\":[{\"type\":\"text\",\"text\":\"Echo: hi\"},{\"type\":\"image\",\"data\":\"AA==\"}]}");
        assertEquals("Echo: hi", RemoteTool.value(text).path("text").asText());
        assertEquals(2, RemoteTool.value(text).path("content").size());
    }
}
