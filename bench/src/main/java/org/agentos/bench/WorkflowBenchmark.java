package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.dsl.impl.LocalWorkflows;
import org.agentos.agent.runtime.impl.AgentRuntime;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workflows (agent.dsl). {@code compileAndCheck}: a 100-line workflow compiled in memory against
 * the stubs of the kernel's syscall table and checked (javac's attribution, the allow-list on
 * source and bytecode, capabilities), warm, each time a new source (a counter in a comment
 * defeats the cache). Target ≤ 300 ms; beside it, {@code javacProcess}: the JDK's javac started
 * as a process on the same source against the same stubs. {@code spawnWorkflow} and
 * {@code spawnProgram}: a spawn of the compiled workflow against a spawn of a hand-written
 * program, no scheduler bound (only the spawn path is timed, as in SpawnBenchmark). Target:
 * within 2x.
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx6g"})
@State(Scope.Benchmark)
public class WorkflowBenchmark {
    static final String SOURCE = """
            import com.fasterxml.jackson.databind.JsonNode;
            import java.util.ArrayList;
            import java.util.LinkedHashMap;
            import java.util.List;
            import java.util.Map;
            import org.agentos.agent.dsl.tools.*;
            import org.agentos.agent.runtime.SyscallFailure;

            /** Counts, waits, sends and reports: about a hundred lines of the kind a model writes. */
            public class Tally {
                public record Input(int rounds, int bound, String queue, List<String> labels) {}

                record Sample(String label, long value, long at) {}

                public String run(Tools tools, Input in) {
                    List<Sample> samples = new ArrayList<>();
                    for (int r = 0; r < in.rounds(); r++) {
                        for (String label : in.labels()) {
                            samples.add(sample(tools, label, in.bound()));
                        }
                        if (r % 10 == 9) tools.procSleep(1);
                    }
                    Map<String, Long> totals = totals(samples);
                    String report = report(totals, samples.size());
                    send(tools, in.queue(), totals);
                    return report;
                }

                private Sample sample(Tools tools, String label, int bound) {
                    long value = tools.randomInt(new RandomIntOptions().bound(bound)).json().path("value").asLong();
                    long at = tools.clockNow().json().path("millis").asLong();
                    return new Sample(label, value, at);
                }

                private static Map<String, Long> totals(List<Sample> samples) {
                    Map<String, Long> out = new LinkedHashMap<>();
                    for (Sample s : samples) out.merge(s.label(), s.value(), Long::sum);
                    return out;
                }

                private static String report(Map<String, Long> totals, int n) {
                    StringBuilder sb = new StringBuilder("tally of ").append(n).append(" samples:");
                    for (Map.Entry<String, Long> e : totals.entrySet()) {
                        sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
                    }
                    return sb.toString();
                }

                private void send(Tools tools, String queue, Map<String, Long> totals) {
                    if (queue == null || queue.isEmpty()) return;
                    var obj = tools.json().objectNode();
                    totals.forEach(obj::put);
                    try {
                        tools.ipcSend(queue, new IpcSendOptions().payload(obj));
                    } catch (SyscallFailure f) {
                        // the queue may be gone; the report says what was counted anyway
                    }
                }

                private static long max(List<Sample> samples) {
                    long m = Long.MIN_VALUE;
                    for (Sample s : samples) m = Math.max(m, s.value());
                    return m;
                }

                private static long min(List<Sample> samples) {
                    long m = Long.MAX_VALUE;
                    for (Sample s : samples) m = Math.min(m, s.value());
                    return m;
                }

                private static double mean(List<Sample> samples) {
                    return samples.stream().mapToLong(Sample::value).average().orElse(0);
                }

                private static List<String> labels(List<Sample> samples) {
                    List<String> out = new ArrayList<>();
                    for (Sample s : samples) if (!out.contains(s.label())) out.add(s.label());
                    return out;
                }

                private static long spread(List<Sample> samples) {
                    return samples.isEmpty() ? 0 : max(samples) - min(samples);
                }

                private static List<Sample> of(List<Sample> samples, String label) {
                    List<Sample> out = new ArrayList<>();
                    for (Sample s : samples) {
                        if (s.label().equals(label)) out.add(s);
                    }
                    return out;
                }

                private static long first(List<Sample> samples) {
                    long t = Long.MAX_VALUE;
                    for (Sample s : samples) t = Math.min(t, s.at());
                    return t;
                }

                private static String describe(List<Sample> samples) {
                    return "min " + min(samples) + ", max " + max(samples) + ", mean " + mean(samples)
                            + " over " + labels(samples);
                }
            }
            """;

    LocalWorkflows workflows;
    Kernel kernel;
    AgentRuntime runtime;
    final AtomicLong version = new AtomicLong();
    Path javacDir;
    String javacClassPath;
    String workflowProgram;

    org.agentos.agent.runtime.Agent<Object> workflowAgent;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Kernel tableOnly = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(1));
        tableOnly.start();
        List<org.agentos.kernel.api.syscall.ToolDescriptor> table = tableOnly.descriptors();
        tableOnly.stop();
        workflows = new LocalWorkflows(() -> table);
        WorkflowCheck c = workflows.check("tally.java", SOURCE, List.of());
        if (!c.ok()) throw new IllegalStateException(c.problems().toString());
        workflowAgent = workflows.agent("tally.java", SOURCE, List.of());
        workflowProgram = c.program();
        runtime = new AgentRuntime(16, 0, 100_000);
        javacDir = Files.createTempDirectory("workflow-javac");
        Path stubs = javacDir.resolve("stubs");
        for (Map.Entry<String, byte[]> e : workflows.stubClasses().entrySet()) {
            Path f = stubs.resolve(e.getKey().replace('.', '/') + ".class");
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        Files.writeString(javacDir.resolve("Tally.java"), SOURCE);
        javacClassPath = stubs + File.pathSeparator + System.getProperty("java.class.path");
    }

    /** A fresh kernel per iteration, as in SpawnBenchmark: each iteration adds a million processes or more. */
    @Setup(Level.Iteration)
    public void newKernel() {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setMaxProcessesPerOwner(0);
        kernel.start(); // no scheduler: spawned processes stay READY, only the spawn path is timed
        kernel.addProgram(runtime.program(workflowAgent), "bench");
        kernel.addProgram(new Program<Integer>() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public Class<Integer> stateType() {
                return Integer.class;
            }

            @Override
            public Integer init(JsonNode args) {
                return args.path("rounds").asInt();
            }

            @Override
            public Step<Integer> step(Integer s, SyscallResult last) {
                return Step.exit(s, 0);
            }
        }, "bench");
    }

    @TearDown(Level.Iteration)
    public void stopKernel() {
        kernel.stop();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        runtime.close();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public WorkflowCheck compileAndCheck() throws Exception {
        return workflows.check("tally.java", SOURCE + "// " + version.incrementAndGet() + "\n", List.of());
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int javacProcess() throws Exception {
        Path out = Files.createTempDirectory(javacDir, "out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--release", "17", "-proc:none", "-g", "-cp", javacClassPath, "-d", out.toString(),
                javacDir.resolve("Tally.java").toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        int code = p.waitFor();
        if (code != 0) throw new IllegalStateException("javac exited " + code);
        return code;
    }

    /** The workflow's input, which the plain program gets too. */
    static final JsonNode INPUT = input();

    private static JsonNode input() {
        var in = Args.of("rounds", 1, "bound", 10, "queue", "");
        in.putArray("labels").add("a");
        return in;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long spawnWorkflow() throws Exception {
        return kernel.spawn(SpawnSpec.of(workflowProgram, INPUT));
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long spawnProgram() throws Exception {
        return kernel.spawn(SpawnSpec.of("plain", INPUT));
    }
}
