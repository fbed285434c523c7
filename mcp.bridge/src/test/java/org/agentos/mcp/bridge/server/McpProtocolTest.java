package org.agentos.mcp.bridge.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.StreamSupport;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.mcp.bridge.token.McpTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MCP methods over a real kernel: what a token's principal sees and calls, and how failures read. */
class McpProtocolTest {
    static final ObjectMapper JSON = new ObjectMapper();
    Kernel kernel;
    McpSessions sessions;
    McpProtocol protocol;

    /** notes.read: needs fs:read:{path}; echo: needs nothing. */
    static Tool tool(String name, String capability) {
        ToolDescriptor.Builder b = ToolDescriptor.builder(name).description("test tool " + name)
                .args(Args.of("type", "object", "properties", Args.of("path", Args.of("type", "string"))));
        if (capability != null) b.capabilities(capability);
        ToolDescriptor d = b.build();
        return new Tool() {
            public ToolDescriptor descriptor() { return d; }
            public JsonNode call(ToolContext ctx, JsonNode args) { return Args.of("echo", args, "pid", ctx.pid()); }
        };
    }

    @BeforeEach
    void start() throws Exception {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        kernel.addTool(tool("test.echo", null), "test");
        kernel.addTool(tool("test.notes", "fs:read:{path}"), "test");
        sessions = new McpSessions(kernel, 10, 4);
        protocol = new McpProtocol(JSON, kernel.gateway("org.agentos.mcp.bridge"), sessions, "0.2.0");
    }

    @AfterEach
    void stop() {
        sessions.closeAll();
        kernel.stop();
    }

    McpSessions.Session session(String... caps) throws Exception {
        return sessions.open(new McpTokens.Grant("t", "alice", List.of(caps), "now"), "test client", McpProtocol.LATEST);
    }

    List<String> names(JsonNode list) {
        return StreamSupport.stream(list.path("tools").spliterator(), false).map(t -> t.path("name").asText()).toList();
    }

    @Test
    void aPrincipalSeesOnlyTheToolsItsCapabilitiesCouldPermit() throws Exception {
        List<String> none = names(protocol.answer(session(), "tools/list", null));
        assertTrue(none.contains("test.echo"), none.toString());
        assertFalse(none.contains("proc.sleep"), "a call that only parks its own process is not offered: " + none);
        assertTrue(none.contains("proc.getpid"), none.toString());
        assertFalse(none.contains("test.notes"), none.toString());
        List<String> reader = names(protocol.answer(session("fs:read:/home/alice/**"), "tools/list", null));
        assertTrue(reader.contains("test.notes"), reader.toString());
        JsonNode echo = StreamSupport.stream(protocol.answer(session(), "tools/list", null).path("tools").spliterator(), false)
                .filter(t -> t.path("name").asText().equals("test.echo")).findFirst().orElseThrow();
        assertEquals("object", echo.path("inputSchema").path("type").asText());
        assertEquals("test tool test.echo", echo.path("description").asText());
    }

    @Test
    void aCallIsASyscallOfTheSessionsPrincipalAndAnErrnoIsAToolError() throws Exception {
        McpSessions.Session s = session("fs:read:/home/alice/**");
        JsonNode ok = protocol.answer(s, "tools/call", Args.of("name", "test.echo", "arguments", Args.of("path", "x")));
        assertFalse(ok.path("isError").asBoolean());
        assertEquals(s.pid, ok.path("structuredContent").path("pid").asLong(), "made as the session's principal");
        assertEquals("alice", kernel.info(s.pid).orElseThrow().owner());
        JsonNode denied = protocol.answer(s, "tools/call", Args.of("name", "test.notes", "arguments", Args.of("path", "/home/bob/x")));
        assertTrue(denied.path("isError").asBoolean());
        assertEquals("EPERM", denied.path("structuredContent").path("errno").asText());
        assertTrue(denied.path("content").path(0).path("text").asText().startsWith("EPERM: "), denied.toString());
        JsonNode badArgs = protocol.answer(s, "tools/call", Args.of("name", "test.notes", "arguments", Args.of("path", 7)));
        assertTrue(badArgs.path("isError").asBoolean(), "arguments that fail the schema: " + badArgs);
        assertEquals("EINVAL", badArgs.path("structuredContent").path("errno").asText());
    }

    @Test
    void protocolMistakesAreJsonRpcErrors() throws Exception {
        McpSessions.Session s = session();
        assertEquals(McpProtocol.METHOD_NOT_FOUND, assertThrows(McpProtocol.RpcError.class,
                () -> protocol.answer(s, "resources/list", null)).code);
        assertEquals(McpProtocol.INVALID_PARAMS, assertThrows(McpProtocol.RpcError.class,
                () -> protocol.answer(s, "tools/call", Args.of("name", "no.such.tool"))).code);
        assertEquals(McpProtocol.INVALID_PARAMS, assertThrows(McpProtocol.RpcError.class,
                () -> protocol.answer(s, "tools/call", Args.of("name", "test.notes"))).code, "not a tool this principal may call");
        assertEquals(McpProtocol.INVALID_PARAMS, assertThrows(McpProtocol.RpcError.class,
                () -> protocol.answer(s, "tools/call", Args.of("name", "test.echo", "arguments", "x"))).code);
        assertEquals(JSON.createObjectNode(), protocol.answer(s, "ping", null));
        assertEquals(JSON.createObjectNode(), protocol.answer(s, "logging/setLevel", Args.of("level", "warning")));
        assertEquals(McpProtocol.INVALID_PARAMS, assertThrows(McpProtocol.RpcError.class,
                () -> protocol.answer(s, "logging/setLevel", Args.of("level", "loud"))).code);
    }

    @Test
    void aPrincipalThatEndedIsMadeAgainAndAClosedSessionKillsIt() throws Exception {
        McpSessions.Session s = session();
        long first = s.pid;
        kernel.kill(first);
        JsonNode ok = protocol.answer(s, "tools/call", Args.of("name", "test.echo"));
        assertFalse(ok.path("isError").asBoolean(), ok.toString());
        long second = ok.path("structuredContent").path("pid").asLong();
        assertTrue(second != first);
        sessions.close(s);
        kernel.awaitExit(second).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void oneTokenHoldsAtMostItsShareOfSessions() throws Exception {
        for (int i = 0; i < 4; i++) session();
        SyscallException full = assertThrows(SyscallException.class, this::session);
        assertEquals(org.agentos.kernel.api.syscall.Errno.EAGAIN, full.errno());
        assertTrue(full.getMessage().contains("maxSessionsPerToken"), full.getMessage());
        sessions.open(new McpTokens.Grant("other", "bob", List.of(), "now"), "another client", McpProtocol.LATEST); // other tokens still may
    }

    @Test
    void theNegotiatedVersionIsTheClientsWhenKnownElseTheLatest() {
        assertEquals("2025-06-18", McpProtocol.negotiate("2025-06-18"));
        assertEquals(McpProtocol.LATEST, McpProtocol.negotiate("1999-01-01"));
        assertEquals("2025-11-25", McpProtocol.negotiate("2026-07-28"), "a stateless-era client falls back to the handshake");
    }
}
