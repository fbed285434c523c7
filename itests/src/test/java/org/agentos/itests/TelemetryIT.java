package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The distribution seen from outside: its metrics scraped as Prometheus scrapes them, its traces
 * received over OTLP as a collector receives them.
 */
class TelemetryIT {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private static UnpackedDistribution agentos;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        agentos = UnpackedDistribution.unpack("telemetry-it");
        agentos.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (agentos != null) agentos.stop();
    }

    /** One scrape: the exposition format parsed, each sample by "name{labels}". */
    Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentos.httpPort + "/metrics"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "a sample line of the exposition format: " + line);
            assertTrue(m.group(1).startsWith("agentos_"), line);
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    long spawned(String out) {
        Matcher m = Pattern.compile("spawned pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void theMetricsMoveAsAgentsRun() throws Exception {
        Map<String, Double> before = scrape();
        String ok = "agentos_syscalls_total{outcome=\"ok\",syscall=\"json.query\"}";
        String query = "'{\"syscall\":\"json.query\",\"args\":{\"document\":{\"a\":[1,2]},\"pointer\":\"/a/1\"}}'";
        for (int i = 0; i < 3; i++) {
            long pid = spawned(agentos.console("agent:spawn -o metrics -c tool:json.query call " + query));
            assertTrue(agentos.console("agent:wait -t 30 " + pid).contains("code 0"));
        }
        long denied = spawned(agentos.console("agent:spawn -o metrics call '{\"syscall\":\"fs.read\",\"args\":{\"path\":\"/home/nobody/x\"}}'"));
        assertTrue(agentos.console("agent:wait -t 30 " + denied).contains("EPERM"));
        Map<String, Double> after = scrape();
        assertEquals(3.0, after.get(ok) - before.getOrDefault(ok, 0.0), "three calls more");
        assertTrue(after.get("agentos_syscalls_total{outcome=\"EPERM\",syscall=\"fs.read\"}") >= 1);
        assertTrue(after.get("agentos_steps_total{owner=\"metrics\"}") >= 8, after.toString());
        assertTrue(after.get("agentos_cpu_seconds_total{owner=\"metrics\"}") > 0);
        assertTrue(after.get("agentos_processes{state=\"EXITED\"}") + after.get("agentos_processes{state=\"RUNNING\"}")
                + after.get("agentos_processes{state=\"BLOCKED\"}") + after.get("agentos_processes{state=\"READY\"}") >= 1);
        assertTrue(after.containsKey("agentos_vfs_bytes") && after.containsKey("agentos_memory_bytes"), "the stores' usage");
        assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("agentos_syscall_duration_seconds_bucket{class=\"CPU\","
                + "syscall=\"json.query\",le=")), "a latency histogram per syscall");

        // kernel:swap goes through ConfigAdmin: the kernel rebinds a moment later
        agentos.console("kernel:swap memory heap");
        UnpackedDistribution.waitUntil("the swap to heap counted",
                () -> scrape().getOrDefault("agentos_swaps_total{subsystem=\"memory\"}", 0.0) == 1.0);
        agentos.console("kernel:swap memory auto");
        UnpackedDistribution.waitUntil("the swap back counted",
                () -> scrape().getOrDefault("agentos_swaps_total{subsystem=\"memory\"}", 0.0) == 2.0);
        Map<String, Double> swapped = scrape();
        assertTrue(swapped.containsKey("agentos_swap_last_pause_seconds{subsystem=\"memory\"}"));
    }

    /** The value of attribute {@code key} of {@code span}, as text, or null. */
    static String attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (!kv.getKey().equals(key)) continue;
            var v = kv.getValue();
            return v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue();
        }
        return null;
    }

    @Test
    void tracingTurnedOnInEtcSendsAgentsSpansToACollector() throws Exception {
        List<Span> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) received.addAll(ss.getSpansList());
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, 0);
            exchange.close();
        });
        collector.start();
        try {
            assertTrue(Files.readString(agentos.home.resolve("etc/org.agentos.telemetry.tracing.cfg")).contains("enabled = false"),
                    "off by default");
            agentos.console("config:property-set -p org.agentos.telemetry.tracing endpoint http://127.0.0.1:"
                    + collector.getAddress().getPort() + "/v1/traces");
            agentos.console("config:property-set -p org.agentos.telemetry.tracing enabled true");
            var log = agentos.home.resolve("data/log/karaf.log");
            UnpackedDistribution.waitUntil("the tracer started", () -> Files.readString(log).contains(
                    "tracing agents to http://127.0.0.1:" + collector.getAddress().getPort()));
            long pid = spawned(agentos.console("agent:spawn -o tracer -c 'fs:*:/home/tracer/**' llm-agent "
                    + "'{\"goal\":\"read /home/tracer/none.txt\",\"tools\":[\"fs.read\"],\"llm\":\"llm.sim\"}'"));
            agentos.console("agent:wait -t 60 " + pid);
            UnpackedDistribution.waitUntil("the agent's span at the collector", () -> received.stream()
                    .anyMatch(s -> s.getName().equals("invoke_agent llm-agent") && Long.toString(pid).equals(attribute(s, "gen_ai.agent.id"))));
            Span agent = received.stream().filter(s -> s.getName().equals("invoke_agent llm-agent")
                    && Long.toString(pid).equals(attribute(s, "gen_ai.agent.id"))).findFirst().orElseThrow();
            assertEquals("invoke_agent", attribute(agent, "gen_ai.operation.name"));
            assertEquals("tracer", attribute(agent, "agentos.owner"));
            List<Span> children = received.stream().filter(s -> s.getParentSpanId().equals(agent.getSpanId())).toList();
            Span chat = children.stream().filter(s -> s.getName().equals("chat llm.sim")).findFirst()
                    .orElseThrow(() -> new AssertionError("no chat span among " + children));
            assertEquals("chat", attribute(chat, "gen_ai.operation.name"));
            assertEquals("llm.sim", attribute(chat, "gen_ai.provider.name"));
            assertTrue(Long.parseLong(attribute(chat, "gen_ai.usage.input_tokens")) > 0);
            assertTrue(Long.parseLong(attribute(chat, "gen_ai.usage.output_tokens")) > 0);
            Span read = children.stream().filter(s -> s.getName().equals("execute_tool fs.read")).findFirst()
                    .orElseThrow(() -> new AssertionError("no fs.read span among " + children));
            assertEquals("fs.read", attribute(read, "gen_ai.tool.name"));
            assertEquals(Span.SpanKind.SPAN_KIND_INTERNAL, read.getKind());
            assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR, read.getStatus().getCode());
            assertTrue(read.getStatus().getMessage().startsWith("ENOENT"), read.getStatus().getMessage());
        } finally {
            agentos.console("config:property-set -p org.agentos.telemetry.tracing enabled false");
            collector.stop(0);
        }
    }
}
