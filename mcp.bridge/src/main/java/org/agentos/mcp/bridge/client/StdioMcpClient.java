package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.hal.SandboxProcess;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An MCP client over stdio to a server the HAL sandbox runs: one JSON-RPC message per line each
 * way. A reader thread hands each response to the request waiting for its id and each
 * notification to the listener; a line longer than {@value #MAX_LINE} characters or one that is
 * not JSON ends the connection (the server is someone else's program). When the process ends,
 * every request still waiting fails with {@code EIO}, naming what it wrote to its standard error.
 */
final class StdioMcpClient implements McpClient {
    static final int MAX_LINE = 16 << 20;

    private final ObjectMapper json;
    private final SandboxProcess process;
    private final String what;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    private volatile Runnable onListChanged = () -> {};
    private volatile Runnable onLost = () -> {};
    private volatile String ended;

    StdioMcpClient(ObjectMapper json, SandboxProcess process, String what, Duration timeout) {
        this.json = json;
        this.process = process;
        this.what = what;
        this.timeout = timeout;
        Thread reader = new Thread(this::read, "agentos-mcp-stdio-" + what);
        reader.setDaemon(true);
        reader.start();
        process.onExit().whenComplete((code, e) -> end("it exited (" + code + ")"));
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) >= 0; ) {
                if (c != '\n') {
                    if (line.length() >= MAX_LINE) throw new IOException("a line longer than " + MAX_LINE + " characters");
                    line.append((char) c);
                    continue;
                }
                String text = line.toString().strip();
                line.setLength(0);
                if (text.isEmpty()) continue;
                JsonNode msg = json.readTree(text);
                if (msg.has("id") && (msg.has("result") || msg.has("error"))) {
                    CompletableFuture<JsonNode> f = waiting.remove(msg.path("id").asLong(-1));
                    if (f != null) f.complete(msg);
                } else if ("notifications/tools/list_changed".equals(msg.path("method").asText())) {
                    onListChanged.run();
                }
            }
            end("its output ended");
        } catch (IOException e) {
            end("its output could not be read: " + e.getMessage());
            process.close();
        }
    }

    private void end(String why) {
        if (ended != null) return;
        String err = process.stderr().strip();
        ended = why + (err.isEmpty() ? "" : "; it said: " + (err.length() > 500 ? err.substring(0, 500) + "..." : err));
        SyscallException gone = new SyscallException(Errno.EIO, "MCP server " + what + " has ended: " + ended);
        waiting.values().forEach(f -> f.completeExceptionally(gone));
        waiting.clear();
        onLost.run();
    }

    @Override
    public String describe() {
        return "MCP server " + what;
    }

    @Override
    public void notify(String method) throws SyscallException {
        send(json.createObjectNode().put("jsonrpc", "2.0").put("method", method));
    }

    @Override
    public void listen(Runnable onListChanged, Runnable onLost) {
        this.onListChanged = onListChanged;
        this.onLost = onLost;
        if (ended != null) onLost.run();
    }

    @Override
    public CompletableFuture<JsonNode> request(String method, JsonNode params) {
        if (ended != null) {
            return CompletableFuture.failedFuture(new SyscallException(Errno.EIO, "MCP server " + what + " has ended: " + ended));
        }
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        ObjectNode msg = json.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        msg.set("params", params);
        try {
            send(msg);
        } catch (SyscallException e) {
            waiting.remove(id);
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<JsonNode> result = answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
            waiting.remove(id);
            if (e != null) {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (c instanceof TimeoutException) {
                    throw new CompletionException(new SyscallException(Errno.ETIMEDOUT, "MCP server " + what + " did not answer "
                            + method + " within " + timeout.toSeconds() + " s"));
                }
                throw c instanceof CompletionException ce ? ce : new CompletionException(c);
            }
            if (r.has("error")) {
                throw new CompletionException(new SyscallException(Errno.EIO, "MCP server " + what + ": " + method + " failed: "
                        + r.path("error").path("message").asText(r.path("error").toString())));
            }
            return r.path("result");
        });
        // a caller that gives up (the kernel's timeout, a kill) tells the server
        CompletableFuture<JsonNode> out = new CompletableFuture<>();
        result.whenComplete((r, e) -> {
            if (e != null) out.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            else out.complete(r);
        });
        out.whenComplete((r, e) -> {
            if (!out.isCancelled() || waiting.remove(id) == null) return;
            ObjectNode cancelled = json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
            cancelled.putObject("params").put("requestId", id).put("reason", "the caller gave up");
            try {
                send(cancelled);
            } catch (SyscallException gone) {
                // it has ended: nothing to cancel
            }
        });
        return out;
    }

    private synchronized void send(JsonNode msg) throws SyscallException {
        try {
            OutputStream out = process.stdin();
            out.write(json.writeValueAsBytes(msg)); // Jackson writes no newline inside a message
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "MCP server " + what + " does not read its input: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        ended = ended == null ? "closed" : ended;
        process.close();
    }
}
