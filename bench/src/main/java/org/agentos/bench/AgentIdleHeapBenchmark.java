package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.impl.AgentRuntime;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resident heap per waiting agent written as code, beside a hand-written program doing the same:
 * N processes that read the clock once and then sleep an hour, round-robin scheduler, 2 workers,
 * the agent runtime with its default bound of 256 live runs. One JVM per case; the teardown
 * prints {@code agent-idle-heap caller=agent|program processes=N heap=X B/process threads=T}.
 * Target: at most 2 KiB per waiting agent, and no thread per agent.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@State(Scope.Benchmark)
public class AgentIdleHeapBenchmark {

    public record Sleeper(int n) {}

    @Param("100000")
    int processes;

    @Param({"agent", "program"})
    String caller;

    final LongAdder asleep = new LongAdder();
    Kernel kernel;
    AgentRuntime runtime;
    long before;
    long lastPid;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = Bench.kernel(2, "memory");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        LongAdder counter = asleep;
        if (caller.equals("agent")) {
            runtime = new AgentRuntime(256, 0, 100_000);
            kernel.setEventSink((topic, props) -> {
                if (Kernel.TOPIC_EXITED.equals(topic)) runtime.processEnded((Long) props.get("pid"));
            });
            kernel.addProgram(runtime.program(new Agent<JsonNode>() {
                @Override
                public String name() {
                    return "sleeper";
                }

                @Override
                public Class<JsonNode> inputType() {
                    return JsonNode.class;
                }

                @Override
                public String run(Sys sys, JsonNode input) {
                    sys.clock().now();
                    counter.increment();
                    sys.proc().sleep(3_600_000L);
                    return "rested";
                }
            }), "bench");
        } else {
            kernel.addProgram(Bench.program("sleeper", Sleeper.class, a -> new Sleeper(0), (s, last) -> switch (s.n()) {
                case 0 -> Step.call(new Sleeper(1), "clock.now", Args.none());
                case 1 -> {
                    counter.increment();
                    yield Step.call(new Sleeper(2), "proc.sleep", Args.of("ms", 3_600_000L));
                }
                default -> Step.exit(s, 0, "rested");
            }), "bench");
        }
        before = IdleHeapBenchmark.usedAfterGc();
    }

    @Benchmark
    public long spawnAndSleep() throws SyscallException {
        SpawnSpec spec = SpawnSpec.of("sleeper", Args.none());
        for (int i = 0; i < processes; i++) lastPid = kernel.spawn(spec);
        Bench.await("all processes to read the clock", 600, () -> asleep.sum() >= processes);
        Bench.await("the last processes to sleep", 60, () -> isBlocked(lastPid) && kernel.scheduler().runnable() == 0);
        return asleep.sum();
    }

    private boolean isBlocked(long pid) {
        return kernel.info(pid).map(i -> i.state() == ProcessState.BLOCKED).orElse(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long used = IdleHeapBenchmark.usedAfterGc() - before;
        int threads = Thread.activeCount();
        System.out.printf(Locale.ROOT, "%nagent-idle-heap caller=%s processes=%d heap=%d B/process threads=%d%s%n",
                caller, processes, used / processes, threads, runtime == null ? "" : " (" + runtime + ")");
        Bench.stop(kernel);
        if (runtime != null) runtime.close();
    }
}
