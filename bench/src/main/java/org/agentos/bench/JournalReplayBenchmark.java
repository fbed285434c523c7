package org.agentos.bench;

import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.kernel.impl.syscall.Replay;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * agent:replay's speed: a program with cheap steps (each reads the clock, a journaled call) ran
 * {@value #STEPS} steps on a kernel with its state on disk; {@code replay} runs it again against
 * its call journal (the journal read from disk, each result served, nothing made). Beside it,
 * {@code live} runs the same program as a process (spawn to exit: mediation, audit, journal).
 * The score is per step: 1e9 / score = steps per second. Target: replay at least 1,000,000 steps/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
@State(Scope.Benchmark)
public class JournalReplayBenchmark {
    static final int STEPS = 100_000;

    /** The clock reader's state: how many it read, how many to read. */
    public record Reads(long n, long limit) {}

    Kernel kernel;
    long recorded;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(1, "disk");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        kernel.addProgram(Bench.program("reader", Reads.class, a -> new Reads(0, a.path("limit").asLong()),
                (s, last) -> s.n() >= s.limit() ? Step.exit(s, 0)
                        : Step.call(new Reads(s.n() + 1, s.limit()), "clock.now", Args.none())), "bench");
        recorded = runLive();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Bench.stop(kernel);
    }

    private long runLive() throws Exception {
        long pid = kernel.spawn(SpawnSpec.of("reader", Args.of("limit", STEPS - 1)));
        kernel.awaitExit(pid).toCompletableFuture().get(5, TimeUnit.MINUTES);
        return pid;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public Object replay() throws Exception {
        Replay.Report r = kernel.replay.run(recorded, null, Long.MAX_VALUE);
        if (!r.identical() || r.steps() != STEPS) throw new IllegalStateException("replay: " + r);
        return r;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public Object live() throws Exception {
        return runLive();
    }
}
