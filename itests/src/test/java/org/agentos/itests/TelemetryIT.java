package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
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

/** The distribution seen from outside: its metrics scraped as Prometheus scrapes them. */
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

        agentos.console("feature:install agentos-scheduler-priority");
        agentos.console("kernel:swap scheduler priority");
        agentos.console("kernel:swap scheduler auto");
        Map<String, Double> swapped = scrape();
        assertTrue(swapped.get("agentos_swaps_total{subsystem=\"scheduler\"}") >= 2, swapped.toString());
    }
}
