package org.agentos.mcp.bridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.hal.SandboxProcess;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stdio client against a small line-by-line MCP server of the test's own (the process's
 * streams are pipes): answers matched by id, a call the caller gives up on cancelled at the server,
 * a server that ends failing what waits with EIO and what it wrote to stderr.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StdioMcpClientTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A server on pipes: it answers initialize, tools/list and tools/call of "echo"; "slow" it never answers. */
    static final class PipeServer implements SandboxProcess {
        final PipedOutputStream toServer = new PipedOutputStream();
        final PipedInputStream fromServer = new PipedInputStream(1 << 16);
        final List<JsonNode> seen = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        PipeServer() throws Exception {
            PipedInputStream in = new PipedInputStream(toServer, 1 << 16);
            PrintStream out = new PrintStream(new PipedOutputStream(fromServer), true, StandardCharsets.UTF_8);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        JsonNode m = JSON.readTree(line);
                        seen.add(m);
                        String method = m.path("method").asText();
                        long id = m.path("id").asLong(-1);
                        if (method.equals("initialize")) {
                            out.println("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"protocolVersion\":\"2025-11-25\","
                                    + "\"serverInfo\":{\"name\":\"pipes\"},\"capabilities\":{\"tools\":{}}}}");
                        } else if (method.equals("tools/list")) {
                            out.println("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"tools\":[{\"name\":\"echo\"},{\"name\":\"slow\"}]}}");
                        } else if (method.equals("tools/call") && m.path("params").path("name").asText().equals("echo")) {
                            out.println("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}"); // noise first
                            out.println("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\""
                                    + m.path("params").path("arguments").path("m").asText() + "\"}]}}");
                        } else if (method.equals("quit")) {
                            break;
                        }
                    }
                } catch (Exception e) {
                    // the client closed its end
                }
                out.close();
                exit.complete(0);
            }, "pipe-server");
            t.setDaemon(true);
            t.start();
        }

        @Override public OutputStream stdin() { return toServer; }
        @Override public InputStream stdout() { return fromServer; }
        @Override public String stderr() { return "bye from the pipe server"; }
        @Override public boolean isAlive() { return !exit.isDone(); }
        @Override public CompletionStage<Integer> onExit() { return exit; }
        @Override public void close() {
            try {
                toServer.close();
            } catch (Exception ignored) {
                // closed already
            }
        }
    }

    @Test
    void answersAreMatchedByIdAndAGivenUpCallIsCancelledAtTheServer() throws Exception {
        PipeServer server = new PipeServer();
        StdioMcpClient client = new StdioMcpClient(JSON, server, "'pipes'", Duration.ofSeconds(10));
        assertEquals("pipes", client.initialize().path("serverInfo").path("name").asText());
        assertEquals(2, client.listTools().size());
        assertEquals("hi", RemoteTool.text(client.callTool("echo", JSON.readTree("{\"m\":\"hi\"}")).get(5, TimeUnit.SECONDS)));
        CompletableFuture<JsonNode> slow = client.callTool("slow", JSON.createObjectNode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.seen.stream().noneMatch(m -> m.path("params").path("name").asText().equals("slow")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long slowId = server.seen.stream().filter(m -> m.path("params").path("name").asText().equals("slow")).findFirst()
                .orElseThrow().path("id").asLong();
        slow.cancel(true);
        while (server.seen.stream().noneMatch(m -> m.path("method").asText().equals("notifications/cancelled"))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        JsonNode cancelled = server.seen.stream().filter(m -> m.path("method").asText().equals("notifications/cancelled"))
                .findFirst().orElseThrow(() -> new AssertionError("no notifications/cancelled: " + server.seen));
        assertEquals(slowId, cancelled.path("params").path("requestId").asLong());
        client.close();
    }

    @Test
    void aServerThatEndsFailsWhatWaitsWithEioAndSaysWhatItWrote() throws Exception {
        PipeServer server = new PipeServer();
        StdioMcpClient client = new StdioMcpClient(JSON, server, "'pipes'", Duration.ofSeconds(10));
        client.initialize();
        CompletableFuture<JsonNode> slow = client.callTool("slow", JSON.createObjectNode());
        server.toServer.write("{\"jsonrpc\":\"2.0\",\"method\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
        server.toServer.flush();
        ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(5, TimeUnit.SECONDS));
        SyscallException se = (SyscallException) e.getCause();
        assertEquals(Errno.EIO, se.errno());
        assertTrue(se.getMessage().contains("bye from the pipe server"), se.getMessage());
        assertThrows(SyscallException.class, client::listTools, "and what comes after");
        client.close();
    }
}
