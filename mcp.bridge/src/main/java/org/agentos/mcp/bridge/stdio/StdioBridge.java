package org.agentos.mcp.bridge.stdio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Agent OS's MCP server over stdio, for desktop clients that start their servers as commands
 * ({@code bin/agentos-mcp}): each line read from stdin (one JSON-RPC message, as the stdio
 * transport frames them) is posted to the installation's HTTP endpoint with the token from
 * {@code AGENTOS_MCP_TOKEN}, and each answer is written to stdout as one line. The session the
 * endpoint makes at {@code initialize} is kept for the following lines, and its event stream
 * (the tool list changing) is passed on too. The JDK only: it runs outside Karaf.
 */
public final class StdioBridge {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI endpoint;
    private final String token;
    private final PrintStream out;
    private volatile String session;

    StdioBridge(URI endpoint, String token, PrintStream out) {
        this.endpoint = endpoint;
        this.token = token;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        String token = System.getenv("AGENTOS_MCP_TOKEN");
        if (args.length != 1 || token == null || token.isBlank()) {
            System.err.println("usage: AGENTOS_MCP_TOKEN=<token> agentos-mcp   (the token from mcp:token create; the endpoint "
                    + "is read from etc/, or AGENTOS_MCP_URL)");
            System.exit(2);
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // nothing but protocol messages on stdout
        new StdioBridge(URI.create(args[0]), token.strip(), out).run(System.in);
    }

    void run(InputStream in) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            if (!line.isBlank()) forward(line);
        }
        String s = session;
        if (s != null) { // the client went away: end the session (and its principal process) at once
            try {
                http.send(request().header("Mcp-Session-Id", s).DELETE().build(), HttpResponse.BodyHandlers.discarding());
            } catch (IOException | InterruptedException ignored) {
                // the server will end it when it is idle
            }
        }
    }

    private void forward(String line) {
        HttpRequest.Builder r = request().header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(line, StandardCharsets.UTF_8));
        if (session != null) r.header("Mcp-Session-Id", session);
        try {
            HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (session == null) {
                resp.headers().firstValue("Mcp-Session-Id").ifPresent(id -> {
                    session = id;
                    Thread t = new Thread(this::events, "agentos-mcp-events");
                    t.setDaemon(true);
                    t.start();
                });
            }
            String body = resp.body();
            if (resp.statusCode() == 202 || body == null || body.isBlank()) return; // a notification: no answer
            if (body.startsWith("{")) write(body.replace("\n", ""));
            else error(line, -32603, "HTTP " + resp.statusCode() + " from " + endpoint);
        } catch (ConnectException e) {
            error(line, -32603, "Agent OS does not answer at " + endpoint + " (is it running? bin/start)");
        } catch (IOException e) {
            error(line, -32603, "the request to " + endpoint + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The session's event stream: each event's data, a JSON-RPC notification, as a line. */
    private void events() {
        try {
            HttpResponse<java.util.stream.Stream<String>> resp = http.send(request().header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", session).GET().build(), HttpResponse.BodyHandlers.ofLines());
            if (resp.statusCode() != 200) return;
            resp.body().forEach(l -> {
                if (l.startsWith("data:")) write(l.substring(5).strip());
            });
        } catch (IOException | InterruptedException e) {
            // the stream ended: notifications stop, calls go on
        }
    }

    private HttpRequest.Builder request() {
        return HttpRequest.newBuilder(endpoint).header("Authorization", "Bearer " + token)
                .header("Accept", "application/json, text/event-stream");
    }

    /** A JSON-RPC error for the request on {@code line}, when it was one (it has an id). */
    private void error(String line, int code, String message) {
        Matcher m = ID.matcher(line);
        if (!m.find()) return;
        write("{\"jsonrpc\":\"2.0\",\"id\":" + m.group(1) + ",\"error\":{\"code\":" + code + ",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}}");
    }

    private synchronized void write(String json) {
        out.println(json);
    }
}
