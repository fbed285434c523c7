package org.agentos.telemetry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scrape a Prometheus server reads: names, labels, and values that move as agents run. */
class KernelSnapshotsTest {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private Kernel kernel;
    private String lastText;

    @BeforeEach
    void start() throws Exception {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        ToolDescriptor d = ToolDescriptor.builder("test.echo").capabilities("echo")
                .args(Args.of("type", "object", "properties", Args.of("text", Args.of("type", "string")))).build();
        kernel.addTool(new Tool() {
            public ToolDescriptor descriptor() { return d; }
            public JsonNode call(ToolContext ctx, JsonNode args) { return args; }
        }, "test");
    }

    @AfterEach
    void stop() {
        kernel.stop();
    }

    /** The scrape parsed back: "name{labels}" to value. */
    private Map<String, Double> scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, KernelSnapshots.of(kernel.telemetry, kernel.ipc()));
        String text = out.toString(StandardCharsets.UTF_8);
        lastText = text;
        Map<String, Double> samples = new HashMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        for (String line : text.split("\n")) {
            assertTrue(line.startsWith("#") || line.startsWith("agentos_"), "every metric is agentos_*: " + line);
            assertFalse(line.contains("pid="), "no label per pid: " + line);
        }
        return samples;
    }

    @Test
    void callsStepsAndProcessesMoveAsAgentsRun() throws Exception {
        long alice = kernel.spawn(new SpawnSpec("principal", null, "alice", 0, List.of("echo"), null));
        long bob = kernel.spawn(new SpawnSpec("principal", null, "bob", 0, List.of(), null));
        SyscallGateway gateway = kernel.gateway("test");
        Map<String, Double> before = scrape();
        for (int i = 0; i < 3; i++) assertTrue(gateway.call(alice, "test.echo", Args.of("text", "hi")).isOk());
        assertFalse(gateway.call(bob, "test.echo", Args.of("text", "no")).isOk());
        Map<String, Double> after = scrape();
        assertTrue(lastText.contains("# TYPE agentos_syscalls_total counter"), lastText);
        assertTrue(lastText.contains("# TYPE agentos_syscall_duration_seconds histogram"), lastText);

        String ok = "agentos_syscalls_total{outcome=\"ok\",syscall=\"test.echo\"}";
        assertEquals(3.0, after.get(ok) - before.getOrDefault(ok, 0.0), after.toString());
        assertEquals(1.0, after.get("agentos_syscalls_total{outcome=\"EPERM\",syscall=\"test.echo\"}"));
        assertEquals(4.0, after.get("agentos_syscall_duration_seconds_count{class=\"CPU\",syscall=\"test.echo\"}"));
        assertEquals(4.0, after.get("agentos_syscall_duration_seconds_bucket{class=\"CPU\",syscall=\"test.echo\",le=\"+Inf\"}"));
        assertEquals(3.0, after.get("agentos_owner_syscalls_total{owner=\"alice\"}"));
        assertEquals(1.0, after.get("agentos_owner_processes{owner=\"bob\"}"));
        assertTrue(after.get("agentos_processes{state=\"BLOCKED\"}") + after.get("agentos_processes{state=\"READY\"}")
                + after.get("agentos_processes{state=\"RUNNING\"}") >= 2, after.toString());
        assertEquals(2.0, after.get("agentos_cpu_workers"));
        assertEquals(1.0, after.get("agentos_memory_level{agentos_memory_level=\"NORMAL\"}"));
        assertTrue(after.containsKey("agentos_queue_messages{delivery=\"at_least_once\",status=\"dead_letter\"}"), after.toString());
        assertTrue(after.containsKey("agentos_audit_backlog_records"));
    }

    @Test
    void aClusterNodeExportsTheNodesByStateAndEachNodesProcesses() throws Exception {
        org.agentos.kernel.api.cluster.Cluster cluster = new org.agentos.kernel.api.cluster.Cluster() {
            public String localNode() { return "a"; }
            public String name() { return "agentos"; }
            public String state() { return "running"; }
            public List<org.agentos.kernel.api.cluster.NodeStatus> nodes() {
                return List.of(new org.agentos.kernel.api.cluster.NodeStatus("a", 1, "127.0.0.1:1", true, "up", 230, 3, 200, 2, 1, 0.5, "NORMAL", 0),
                        new org.agentos.kernel.api.cluster.NodeStatus("b", 2, "127.0.0.1:2", false, "up", 12, 1, 10, 2, 0, 0.4, "NORMAL", 0),
                        new org.agentos.kernel.api.cluster.NodeStatus("c", 0, "127.0.0.1:3", false, "joining", 0, 0, 0, 0, 0, -1, "", 0));
            }
            public java.util.Optional<String> nodeOf(long pid) { return java.util.Optional.empty(); }
            public List<org.agentos.kernel.api.cluster.ClusterListing> list(org.agentos.kernel.api.process.ProcessQuery q,
                    org.agentos.kernel.api.security.ConsoleOperator o) { return List.of(); }
            public org.agentos.kernel.api.process.ProcessInfo info(long pid, org.agentos.kernel.api.security.ConsoleOperator o) { return null; }
            public void signal(long pid, Signal s, org.agentos.kernel.api.security.ConsoleOperator o) {}
            public String place(String node) { return node; }
            public String spawn(String node, org.agentos.kernel.api.cluster.SpawnOrder order, org.agentos.kernel.api.security.ConsoleOperator o) { return ""; }
            public String move(long pid, String node, org.agentos.kernel.api.security.ConsoleOperator o) { return ""; }
            public List<String> drain(String node, org.agentos.kernel.api.security.ConsoleOperator o) { return List.of(); }
            public List<org.agentos.kernel.api.cluster.KeptImage> images(org.agentos.kernel.api.security.ConsoleOperator o) { return List.of(); }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, KernelSnapshots.of(kernel.telemetry, kernel.ipc(), cluster));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("agentos_cluster_nodes{state=\"up\"} 2.0"), text);
        assertTrue(text.contains("agentos_cluster_nodes{state=\"joining\"} 1.0"), text);
        assertTrue(text.contains("agentos_cluster_node_processes{node=\"b\"} 12.0"), text);
        assertFalse(text.contains("node=\"c\""), "a joining node has published nothing yet: " + text);
    }
}
