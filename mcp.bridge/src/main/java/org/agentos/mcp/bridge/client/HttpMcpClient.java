package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An MCP client over streamable HTTP: {@code initialize}, {@code tools/list} (all pages),
 * {@code tools/call}, and the session's event stream for {@code notifications/tools/list_changed}.
 * A server may answer a POST as JSON or as a stream of server-sent events that ends with the
 * response; both are read. Failures are errnos: a server that does not answer {@code EIO}, one
 * that takes longer than the timeout {@code ETIMEDOUT}, a protocol error {@code EIO} with its message.
 */
final class HttpMcpClient implements McpClient {
    /** The most of a response read: a server is someone else's, its answers are bounded here. */
    static final int MAX_RESPONSE_BYTES = 16 << 20;

    private final ObjectMapper json;
    private final URI endpoint;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicLong ids = new AtomicLong();
    private volatile String session;
    private volatile String protocol = PROTOCOL;
    private volatile CompletableFuture<?> events;

    HttpMcpClient(ObjectMapper json, URI endpoint, String bearer, Duration timeout) {
        this.json = json;
        this.endpoint = endpoint;
        this.authorization = bearer == null || bearer.isBlank() ? null : "Bearer " + bearer;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Follows the session's event stream: {@code onListChanged} for each tools/list_changed, and
     * {@code onLost} when a stream that was open ends (the server went away or ended the session).
     */
    @Override
    public void listen(Runnable onListChanged, Runnable onLost) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).header("Accept", "text/event-stream").GET();
        String[] h = headers();
        HttpRequest r = (h.length == 0 ? b : b.headers(h)).build(); // no read timeout: the stream lasts
        events = http.sendAsync(r, HttpResponse.BodyHandlers.ofLines()).thenAccept(resp -> {
            if (resp.statusCode() != 200) return; // a server without a stream: changes are seen at the next connect
            resp.body().forEach(line -> {
                if (line.startsWith("data:") && line.contains("notifications/tools/list_changed")) onListChanged.run();
            });
            onLost.run();
        }).exceptionally(e -> {
            if (!(e instanceof java.util.concurrent.CancellationException)) onLost.run();
            return null;
        });
    }

    @Override
    public String describe() {
        return endpoint.toString();
    }

    @Override
    public void initialized(JsonNode result) {
        protocol = result.path("protocolVersion").asText(PROTOCOL);
    }

    @Override
    public void notify(String method) throws SyscallException {
        ObjectNode msg = json.createObjectNode().put("jsonrpc", "2.0").put("method", method);
        try {
            HttpResponse<Void> r = http.send(post(msg).build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 400) throw new SyscallException(Errno.EIO, endpoint + " refused " + method + ": HTTP " + r.statusCode());
        } catch (IOException e) {
            throw io(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted");
        }
    }

    @Override
    public CompletableFuture<JsonNode> request(String method, JsonNode params) {
        long id = ids.incrementAndGet();
        ObjectNode msg = json.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        msg.set("params", params);
        CompletableFuture<HttpResponse<InputStream>> sent = http.sendAsync(post(msg).build(), HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<JsonNode> exchange = sent.thenApply(resp -> {
            resp.headers().firstValue("Mcp-Session-Id").ifPresent(s -> session = s);
            try (InputStream body = resp.body()) {
                if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                    throw new CompletionException(new SyscallException(Errno.EPERM, endpoint + " refused us (HTTP " + resp.statusCode()
                            + "): check the server's token (mcp:add --token)"));
                }
                if (resp.statusCode() == 404 && session != null) {
                    throw new CompletionException(new SyscallException(Errno.EIO, endpoint + " ended our session"));
                }
                String type = resp.headers().firstValue("Content-Type").orElse("");
                JsonNode answer = type.startsWith("text/event-stream") ? fromEvents(body, id) : json.readTree(bounded(body));
                if (answer == null) throw new IOException("HTTP " + resp.statusCode() + " without an answer to " + method);
                if (answer.has("error")) {
                    throw new CompletionException(new SyscallException(Errno.EIO, endpoint + ": " + method + " failed: "
                            + answer.path("error").path("message").asText(answer.path("error").toString())));
                }
                return answer.path("result");
            } catch (IOException e) {
                throw new CompletionException(io(e));
            }
        }).orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof java.util.concurrent.TimeoutException || c instanceof HttpTimeoutException) {
                c = new SyscallException(Errno.ETIMEDOUT, endpoint + " did not answer " + method + " within " + timeout.toSeconds() + " s");
            } else if (c instanceof IOException io) {
                c = io(io);
            }
            return CompletableFuture.failedFuture(c);
        });
        // a caller that gives up (the kernel's timeout, a kill) stops the exchange and tells the server
        CompletableFuture<JsonNode> out = new CompletableFuture<>();
        exchange.whenComplete((r, e) -> {
            if (e != null) out.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            else out.complete(r);
        });
        out.whenComplete((r, e) -> {
            if (!out.isCancelled()) return;
            sent.cancel(true);
            ObjectNode cancelled = json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
            cancelled.putObject("params").put("requestId", id).put("reason", "the caller gave up");
            http.sendAsync(post(cancelled).build(), HttpResponse.BodyHandlers.discarding());
        });
        return out;
    }

    /** The response with {@code id} among a stream of server-sent events. */
    private JsonNode fromEvents(InputStream body, long id) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(bounded(body), StandardCharsets.UTF_8));
        StringBuilder data = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            } else if (line.isEmpty() && data.length() > 0) {
                JsonNode msg = json.readTree(data.toString());
                data.setLength(0);
                if (msg.path("id").asLong(-1) == id && (msg.has("result") || msg.has("error"))) return msg;
            }
        }
        return data.length() > 0 ? json.readTree(data.toString()) : null;
    }

    private static InputStream bounded(InputStream in) {
        return new java.io.FilterInputStream(in) {
            long left = MAX_RESPONSE_BYTES;

            @Override
            public int read() throws IOException {
                if (left <= 0) throw new IOException("the answer is larger than " + MAX_RESPONSE_BYTES + " bytes");
                left--;
                return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) throw new IOException("the answer is larger than " + MAX_RESPONSE_BYTES + " bytes");
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

    private HttpRequest.Builder post(JsonNode msg) {
        try {
            return base().header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(msg)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder base() {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(timeout);
        String[] h = headers();
        return h.length == 0 ? b : b.headers(h);
    }

    /** The token, the session and its protocol version, as header name/value pairs. */
    private String[] headers() {
        List<String> h = new ArrayList<>();
        if (authorization != null) {
            h.add("Authorization");
            h.add(authorization);
        }
        String s = session;
        if (s != null) {
            h.addAll(List.of("Mcp-Session-Id", s, "MCP-Protocol-Version", protocol));
        }
        return h.toArray(String[]::new);
    }

    private SyscallException io(IOException e) {
        if (e instanceof HttpTimeoutException) return new SyscallException(Errno.ETIMEDOUT, endpoint + " did not answer in time");
        if (e instanceof ConnectException) return new SyscallException(Errno.EIO, endpoint + " does not answer (connection refused)");
        return new SyscallException(Errno.EIO, endpoint + ": " + e.getMessage());
    }

    @Override
    public void close() {
        CompletableFuture<?> e = events;
        if (e != null) e.cancel(true);
        String s = session;
        if (s == null) return;
        try {
            http.send(base().DELETE().build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException ignored) {
            // the server ends it when idle
        }
    }
}
