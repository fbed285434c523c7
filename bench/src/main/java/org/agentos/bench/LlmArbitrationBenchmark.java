package org.agentos.bench;

import java.util.concurrent.TimeUnit;
import org.agentos.apps.examples.LlmAsker;
import org.agentos.apps.examples.SimulatedLlm;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.scheduler.fair.FairScheduler;
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
 * LLM arbitration under contention: a simulated provider ({@code llm.sim}, 5 ms per call, 4
 * calls at once, the kernel's default llmConcurrency) is kept saturated by 64 long agents of
 * tenant {@code batch} that call it for ever. Each benchmark operation spawns one short agent of
 * tenant {@code interactive} that makes 3 calls, and waits for it to exit: the sampled times are
 * its completion times (JMH prints p50 and p99). {@code fair}: waiting calls ordered by the fair
 * scheduler's tenant weights; {@code fifo}, the baseline: first come, first served. The CPU is
 * scheduled by the fair scheduler in both, so only the arbitration differs.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@State(Scope.Benchmark)
public class LlmArbitrationBenchmark {

    @Param({"fair", "fifo"})
    String arbitration;

    @Param("64")
    int longAgents;

    Kernel kernel;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(2, "memory");
        kernel.addProgram(new LlmAsker(), "bench");
        kernel.addTool(new SimulatedLlm(5, 4), "bench");
        Scheduler cpu = switch (arbitration) {
            case "fair" -> new FairScheduler();
            case "fifo" -> new FairScheduler() {
                @Override
                public Scheduler forResource(String resource) {
                    return null;
                }
            };
            default -> throw new IllegalArgumentException("arbitration: fair or fifo");
        };
        kernel.setScheduler(cpu, "bench");
        for (int i = 0; i < longAgents; i++) {
            kernel.spawn(new SpawnSpec("asker", Args.of("calls", 0), "batch", 0, null, null));
        }
    }

    @Benchmark
    public ExitStatus shortAgent() throws Exception {
        long pid = kernel.spawn(new SpawnSpec("asker", Args.of("calls", 3), "interactive", 0, null, null));
        ExitStatus s = kernel.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (s.code() != 0) throw new IllegalStateException("short agent failed: " + s);
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println();
        System.out.println("at the end: " + String.join("; ", kernel.resourceSummary()));
        Bench.stop(kernel);
    }
}
