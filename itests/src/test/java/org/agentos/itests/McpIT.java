package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MCP server of the distribution as clients use it: over HTTP with a token (and without one),
 * through bin/agentos-mcp over stdio, and checked with the protocol's own conformance suite and
 * inspector (installed by scripts/ensure-mcp-tools.sh; skipped without Node.js).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class McpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOKEN = Pattern.compile("agentos_mcp_[A-Za-z0-9_-]+");
    private static UnpackedDistribution agentos;
    private static String alice;
    private static String pure;
    private static URI endpoint;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        agentos = UnpackedDistribution.unpack("mcp-it");
        agentos.start();
        endpoint = URI.create("http://127.0.0.1:" + agentos.httpPort + "/mcp");
        alice = token(agentos.console("mcp:token create -o alice -c 'fs:*:/home/alice/**' desktop"));
        pure = token(agentos.console("mcp:token create -o bob pure"));
        String listed = agentos.console("mcp:token list");
        assertTrue(listed.contains("desktop") && listed.contains("fs:*:/home/alice/**") && !listed.contains(alice), listed);
        assertTrue(Files.readString(agentos.home.resolve("etc/org.agentos.mcp.token-desktop.cfg")).contains("sha256"),
                "kept in etc/, hashed");
    }

    @AfterAll
    static void stop() throws Exception {
        if (agentos != null) agentos.stop();
    }

    static String token(String printed) {
        Matcher m = TOKEN.matcher(printed);
        assertTrue(m.find(), printed);
        return m.group();
    }

    HttpResponse<String> post(String token, String session, String body, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(endpoint).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) r.header("Authorization", "Bearer " + token);
        if (session != null) r.header("Mcp-Session-Id", session);
        for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** initialize: the session id. */
    String session(String token) throws Exception {
        HttpResponse<String> r = post(token, null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"McpIT\",\"version\":\"1\"}}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode result = JSON.readTree(r.body()).path("result");
        assertEquals("2025-11-25", result.path("protocolVersion").asText());
        assertTrue(result.path("capabilities").path("tools").path("listChanged").asBoolean());
        String id = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertEquals(202, post(token, id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode());
        return id;
    }

    JsonNode rpc(String token, String session, String method, String params) throws Exception {
        HttpResponse<String> r = post(token, session, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\""
                + (params == null ? "" : ",\"params\":" + params) + "}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    List<String> tools(String token, String session) throws Exception {
        return StreamSupport.stream(rpc(token, session, "tools/list", null).path("result").path("tools").spliterator(), false)
                .map(t -> t.path("name").asText()).toList();
    }

    @Test
    void aClientWithATokenCallsSyscallsAsItsPrincipalAndSeesOnlyWhatItMayCall() throws Exception {
        String s = session(alice);
        List<String> mine = tools(alice, s);
        assertTrue(mine.contains("fs.write") && mine.contains("json.query"), mine.toString());
        List<String> bobs = tools(pure, session(pure));
        assertFalse(bobs.contains("fs.write"), "no fs capability, no fs tools: " + bobs);
        assertTrue(bobs.contains("json.query"), bobs.toString());

        JsonNode wrote = rpc(alice, s, "tools/call", "{\"name\":\"fs.write\",\"arguments\":{\"path\":\"/home/alice/from-mcp.txt\","
                + "\"text\":\"written over MCP\"}}").path("result");
        assertFalse(wrote.path("isError").asBoolean(), wrote.toString());
        assertEquals("written over MCP", agentos.console("vfs:cat /home/alice/from-mcp.txt").strip());
        long principal = wrote.path("structuredContent").path("pid").asLong();
        String info = agentos.console("agent:info " + principal);
        assertTrue(info.contains("principal") && info.contains("alice"), "calls are made as the token's principal: " + info);
        assertTrue(agentos.console("kernel:audit -p " + principal + " --name fs.write").contains("fs.write"), "audited");

        JsonNode denied = rpc(alice, s, "tools/call", "{\"name\":\"fs.read\",\"arguments\":{\"path\":\"/home/bob/secret\"}}")
                .path("result");
        assertTrue(denied.path("isError").asBoolean(), denied.toString());
        assertTrue(denied.path("content").path(0).path("text").asText().startsWith("EPERM: "), denied.toString());
    }

    @Test
    void aSessionsEventStreamSaysWhenToolsComeAndGo() throws Exception {
        String s = session(alice);
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpResponse<java.util.stream.Stream<String>> stream = http.sendAsync(HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + alice).header("Mcp-Session-Id", s).header("Accept", "text/event-stream")
                .GET().build(), HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS);
        assertEquals(200, stream.statusCode());
        Thread reader = new Thread(() -> stream.body().forEach(events::add), "mcp-events");
        reader.setDaemon(true);
        reader.start();
        assertFalse(tools(alice, s).contains("text.stats"));
        agentos.console("feature:install agentos-tools-example");
        try {
            UnpackedDistribution.waitUntil("notifications/tools/list_changed on the stream",
                    () -> events.stream().anyMatch(l -> l.contains("notifications/tools/list_changed")));
            assertTrue(tools(alice, s).contains("text.stats"), "the new bundle's tools are listed");
        } finally {
            agentos.console("feature:uninstall agentos-tools-example");
        }
    }

    @Test
    void noTokenAWrongOneOrAForeignOriginIsRefused() throws Exception {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertEquals(401, post(null, null, init).statusCode());
        HttpResponse<String> wrong = post("agentos_mcp_not-a-token", null, init);
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(403, post(alice, null, init, "Origin", "http://evil.example").statusCode(), "a web page elsewhere");
        String refusals = agentos.console("kernel:audit --name mcp.refused -n 5000");
        assertTrue(refusals.contains("EPERM") && refusals.contains("origin http://evil.example is not allowed"), refusals);
        assertEquals(200, post(alice, null, init, "Origin", "http://localhost:3000").statusCode());
    }

    @Test
    void badInputGetsAProtocolErrorAndTheSessionGoesOn() throws Exception {
        String s = session(alice);
        HttpResponse<String> notJson = post(alice, s, "{\"jsonrpc\":");
        assertEquals(400, notJson.statusCode());
        assertEquals(-32700, JSON.readTree(notJson.body()).path("error").path("code").asInt());
        HttpResponse<String> batch = post(alice, s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
        assertEquals(-32600, JSON.readTree(batch.body()).path("error").path("code").asInt());
        assertEquals(-32601, rpc(alice, s, "resources/list", null).path("error").path("code").asInt());
        JsonNode badArgs = rpc(alice, s, "tools/call", "{\"name\":\"fs.read\",\"arguments\":{\"path\":7}}").path("result");
        assertTrue(badArgs.path("isError").asBoolean() && badArgs.path("content").path(0).path("text").asText().startsWith("EINVAL"),
                badArgs.toString());
        assertEquals(-32602, rpc(alice, s, "tools/call", "{\"name\":\"no.such.tool\"}").path("error").path("code").asInt());
        String huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"" + "x".repeat(5 << 20) + "\"}}";
        assertEquals(413, post(alice, s, huge).statusCode());
        assertEquals(400, post(alice, null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode(), "no session");
        assertEquals(404, post(alice, "no-such-session", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode());
        assertTrue(rpc(alice, s, "ping", null).has("result"), "the session goes on");
        String refusals = agentos.console("kernel:audit --name mcp.refused -n 5000");
        assertTrue(refusals.contains("JSON-RPC -32700") && refusals.contains("HTTP 413") && refusals.contains("no session"),
                "each refusal is audited: " + refusals);
    }

    @Test
    void aDeletedSessionEndsItsPrincipalAndARevokedTokenIsRefused() throws Exception {
        String temp = token(agentos.console("mcp:token create -o alice temp"));
        String s = session(temp);
        long principal = rpc(temp, s, "tools/call", "{\"name\":\"proc.getpid\"}").path("result").path("structuredContent")
                .path("pid").asLong();
        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(endpoint).header("Authorization", "Bearer " + temp)
                .header("Mcp-Session-Id", s).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deleted.statusCode());
        assertEquals(404, post(temp, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode());
        UnpackedDistribution.waitUntil("the principal ended", () -> {
            String info = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:info " + principal).output();
            return !info.contains("RUNNING") && !info.contains("BLOCKED") && !info.contains("READY");
        });
        agentos.console("mcp:token revoke temp");
        assertEquals(401, post(temp, null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}").statusCode());
        assertFalse(Files.exists(agentos.home.resolve("etc/org.agentos.mcp.token-temp.cfg")), "its file goes");
    }

    @Test
    void binAgentosMcpSpeaksStdio() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(agentos.home.resolve("bin/agentos-mcp").toString());
        pb.environment().put("AGENTOS_MCP_TOKEN", alice);
        if (System.getenv("JAVA_HOME") == null) pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                    + "\"capabilities\":{},\"clientInfo\":{\"name\":\"stdio\",\"version\":\"1\"}}}\n"
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                    + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"fs.read\","
                    + "\"arguments\":{\"path\":\"/home/alice/from-stdio-missing\"}}}\n").getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "it ends with its input");
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), "one line per request, none for the notification: " + lines);
        assertEquals("2025-06-18", JSON.readTree(lines.get(0)).path("result").path("protocolVersion").asText());
        JsonNode call = JSON.readTree(lines.get(1));
        assertEquals(2, call.path("id").asInt());
        assertTrue(call.path("result").path("content").path(0).path("text").asText().startsWith("ENOENT"), lines.get(1));
        assertEquals(0, p.exitValue());
    }

    /** The protocol's tools, or null when they are not installed (no Node.js). */
    static Path mcpTools() {
        Path dir = Path.of(System.getenv().getOrDefault("AGENTOS_MCP_TOOLS", System.getProperty("user.home") + "/.cache/agentos/mcp-tools"));
        return Files.isExecutable(dir.resolve("node_modules/.bin/conformance")) ? dir : null;
    }

    @Test
    void theConformanceSuitePassesWhatTheServerOffers() throws Exception {
        Path tools = mcpTools();
        Assumptions.assumeTrue(tools != null, "the MCP tools are not installed (scripts/ensure-mcp-tools.sh needs Node.js)");
        int port = UnpackedDistribution.freePorts(1)[0];
        Path proxy = Path.of("src/test/resources/mcp-token-proxy.mjs").toAbsolutePath();
        Process p = new ProcessBuilder("node", proxy.toString(), Integer.toString(port), "http://127.0.0.1:" + agentos.httpPort, alice)
                .redirectErrorStream(true).start();
        try {
            Path out = Path.of("target/mcp-conformance").toAbsolutePath();
            UnpackedDistribution.Result r = UnpackedDistribution.run(tools, Duration.ofMinutes(5),
                    tools.resolve("node_modules/.bin/conformance").toString(), "server", "--url",
                    "http://localhost:" + port + "/mcp", "-o", out.toString());
            Files.writeString(out.resolve("summary.txt"), r.output());
            // what this server offers: the lifecycle, ping, logging levels, tools, event streams, DNS rebinding
            // protection; the suite's other scenarios call its reference server's own test tools, resources and prompts
            List<String> passed = new ArrayList<>();
            for (String scenario : List.of("server-initialize", "ping", "logging-set-level", "tools-list",
                    "server-sse-multiple-streams", "dns-rebinding-protection")) {
                Matcher m = Pattern.compile("✓ " + Pattern.quote(scenario) + ": (\\d+) passed, 0 failed").matcher(r.output());
                assertTrue(m.find(), scenario + " did not pass:\n" + r.output());
                passed.add(scenario + " (" + m.group(1) + ")");
            }
            System.out.println("MCP conformance, passed: " + passed);
        } finally {
            p.destroy();
        }
    }

    /** The npm tools' directory when server-everything is there; the test is skipped otherwise. */
    static Path everythingInstalled() {
        Path tools = mcpTools();
        Assumptions.assumeTrue(tools != null && Files.exists(tools.resolve("node_modules/.bin/mcp-server-everything")),
                "server-everything is not installed (scripts/ensure-mcp-tools.sh needs Node.js)");
        return tools;
    }

    /** server-everything, the protocol's reference server, on a free port; the caller destroys it. */
    static Process everything(Path tools, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("node", tools.resolve("node_modules/.bin/mcp-server-everything").toString(), "streamableHttp")
                .redirectErrorStream(true).redirectOutput(Path.of("target/server-everything.log").toFile());
        pb.environment().put("PORT", Integer.toString(port));
        Process p = pb.start();
        UnpackedDistribution.waitUntil("server-everything on port " + port, () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return p;
    }

    String waitFor(long pid) {
        return agentos.console("agent:wait -t 60 " + pid);
    }

    long spawnCall(String caps, String syscall, String args) {
        String out = agentos.console("agent:spawn -o alice -c '" + caps + "' call '{\"syscall\":\"" + syscall + "\",\"args\":" + args + "}'");
        Matcher m = Pattern.compile("spawned pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void anMcpServersToolsAreSyscallsThatAgentsCall() throws Exception {
        Path tools = everythingInstalled();
        int port = UnpackedDistribution.freePorts(1)[0];
        Process server = everything(tools, port);
        try {
            String added = agentos.console("mcp:add everything http://127.0.0.1:" + port + "/mcp");
            assertTrue(added.contains("mcp.everything.echo") && added.contains("mcp.everything.get_sum"), added);
            assertTrue(agentos.console("mcp:list").contains("connected"));
            assertTrue(agentos.console("tool:list mcp.").contains("mcp.everything.echo"), "in the syscall table");

            long echo = spawnCall("tool:mcp.everything.echo", "mcp.everything.echo", "{\"message\":\"hello from an agent\"}");
            String echoed = waitFor(echo);
            assertTrue(echoed.contains("code 0") && echoed.contains("Echo: hello from an agent"), echoed);
            long sum = spawnCall("tool:mcp.everything.get_sum", "mcp.everything.get_sum", "{\"a\":2,\"b\":40}");
            assertTrue(waitFor(sum).contains("42"), "a second tool, numbers through the schema");
            // a workflow calls it through its typed stub, generated from the server's schema
            Path relay = Files.createTempDirectory("workflow").resolve("relay.java");
            Files.writeString(relay, """
                    import org.agentos.agent.dsl.tools.*;

                    public class Relay {
                        public record Input(String note) {}

                        public String run(Tools tools, Input in) {
                            return tools.mcpEverythingEcho(in.note()).json().path("text").asText();
                        }
                    }
                    """);
            String ran = agentos.console("dsl:run -o alice -c 'tool:mcp.everything.echo' " + relay + " '{\"note\":\"through a workflow\"}'");
            Matcher wf = Pattern.compile("(\\d+)").matcher(ran);
            assertTrue(wf.find(), ran);
            String relayed = waitFor(Long.parseLong(wf.group(1)));
            assertTrue(relayed.contains("code 0") && relayed.contains("Echo: through a workflow"), relayed);
            // llm-agent, an agent on the runtime: the model is offered the server's tools and asks for them
            String thinking = agentos.console("agent:spawn -o alice -c 'tool:mcp.everything.*' llm-agent '{\"goal\":\"echo and add\","
                    + "\"tools\":[\"mcp.everything.echo\",\"mcp.everything.get_sum\"],\"llm\":\"llm.sim\"}'");
            Matcher llm = Pattern.compile("spawned pid (\\d+)").matcher(thinking);
            assertTrue(llm.find(), thinking);
            String answered = waitFor(Long.parseLong(llm.group(1)));
            assertTrue(answered.contains("code 0") && answered.contains("Done. Echo: sim") && answered.contains("2"), answered);
            String calls = agentos.console("kernel:audit -p " + llm.group(1) + " -n 50");
            assertTrue(calls.contains("mcp.everything.echo") && calls.contains("mcp.everything.get_sum"), calls);
            long denied = spawnCall("tool:json.query", "mcp.everything.echo", "{\"message\":\"no\"}");
            assertTrue(waitFor(denied).contains("EPERM"), "its capability is needed");
            long bad = spawnCall("tool:mcp.everything.echo", "mcp.everything.echo", "{\"message\":7}");
            assertTrue(waitFor(bad).contains("EINVAL"), "the kernel checks the server's schema");

            // removed while a call is in flight: the call ends with ENOSYS, the tools leave the table
            long slow = spawnCall("tool:mcp.everything.trigger_long_running_operation", "mcp.everything.trigger_long_running_operation",
                    "{\"duration\":30,\"steps\":3}");
            UnpackedDistribution.waitUntil("the long call in flight",
                    () -> agentos.console("agent:info " + slow).contains("mcp.everything.trigger_long_running_operation"));
            agentos.console("mcp:remove everything");
            assertTrue(waitFor(slow).contains("ENOSYS"), "removed mid-call");
            assertFalse(agentos.console("tool:list mcp.").contains("mcp.everything"));
            assertFalse(Files.exists(agentos.home.resolve("etc/org.agentos.mcp.server-everything.cfg")));

            // a server that goes away: its tools fail with EIO, nobody waits
            agentos.console("mcp:add gone http://127.0.0.1:" + port + "/mcp");
            assertTrue(Files.exists(agentos.home.resolve("etc/org.agentos.mcp.server-gone.cfg")), "kept in etc/");
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            long lost = spawnCall("tool:mcp.gone.echo", "mcp.gone.echo", "{\"message\":\"anyone?\"}");
            assertTrue(waitFor(lost).contains("EIO"), "the server is gone");
            agentos.console("mcp:remove gone");
        } finally {
            server.destroy();
        }
    }

    @Test
    void anMcpServerStartedAsACommandRunsInTheSandboxAndItsToolsAreSyscalls() throws Exception {
        Path tools = everythingInstalled();
        // the sandbox sees the server's directory only: put the server there, as a user would
        Path work = agentos.home.resolve("data/agentos/mcp/local");
        Path from = tools.resolve("node_modules");
        try (var files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = work.resolve("node_modules").resolve(from.relativize(f).toString());
                if (Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(to);
                else if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.copy(f, to);
            }
        }
        String script = "/work/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
        String added = agentos.console("mcp:add local node " + script + " stdio");
        assertTrue(added.contains("mcp.local.echo"), added);
        assertTrue(agentos.console("mcp:list").contains("stdio: node " + script), "the list says how it runs");
        long echo = spawnCall("tool:mcp.local.echo", "mcp.local.echo", "{\"message\":\"over stdio\"}");
        String echoed = waitFor(echo);
        assertTrue(echoed.contains("code 0") && echoed.contains("Echo: over stdio"), echoed);
        agentos.console("mcp:remove local");
        UnpackedDistribution.waitUntil("the server's process ended with its removal", () -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").contains(script)));
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: it restarts the installation
    void tokensAndServersOutliveARestart() throws Exception {
        Path tools = everythingInstalled();
        int port = UnpackedDistribution.freePorts(1)[0];
        Process server = everything(tools, port);
        try {
            assertTrue(agentos.console("mcp:add kept http://127.0.0.1:" + port + "/mcp").contains("mcp.kept.echo"));
            agentos.stop();
            agentos.start();
            UnpackedDistribution.waitUntil("the server connected again after the restart",
                    () -> agentos.console("mcp:list").contains("connected"));
            long echo = spawnCall("tool:mcp.kept.echo", "mcp.kept.echo", "{\"message\":\"after a restart\"}");
            assertTrue(waitFor(echo).contains("Echo: after a restart"));
            session(alice); // the token still logs in
            agentos.console("mcp:remove kept");
        } finally {
            server.destroy();
        }
    }

    @Test
    void theInspectorListsAndCallsToolsWithAToken() throws Exception {
        Path tools = mcpTools();
        Assumptions.assumeTrue(tools != null, "the MCP tools are not installed (scripts/ensure-mcp-tools.sh needs Node.js)");
        String cli = tools.resolve("node_modules/@modelcontextprotocol/inspector-cli/build/index.js").toString();
        UnpackedDistribution.Result list = UnpackedDistribution.run(tools, Duration.ofMinutes(2), "node", cli, endpoint.toString(),
                "--transport", "http", "--header", "Authorization: Bearer " + alice, "--method", "tools/list");
        assertEquals(0, list.code(), list.output());
        assertTrue(list.output().contains("\"fs.write\""), list.output());
        rpc(alice, session(alice), "tools/call", "{\"name\":\"fs.write\",\"arguments\":{\"path\":\"/home/alice/inspected.txt\","
                + "\"text\":\"seen by the inspector\"}}");
        UnpackedDistribution.Result call = UnpackedDistribution.run(tools, Duration.ofMinutes(2), "node", cli, endpoint.toString(),
                "--transport", "http", "--header", "Authorization: Bearer " + alice, "--method", "tools/call",
                "--tool-name", "fs.read", "--tool-arg", "path=/home/alice/inspected.txt");
        assertEquals(0, call.code(), call.output());
        assertTrue(call.output().contains("seen by the inspector") && call.output().contains("\"isError\": false"), call.output());
    }
}
