package org.agentos.bench;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
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
 * Spawn rate: {@code kernel.spawn} of a program whose first step would block, with no scheduler
 * bound, so every process stays READY and only the spawn path is measured (argument checks,
 * program init, process-table insert, audit record, enqueue). Baseline: allocate a plain agent
 * object and hand it to a ForkJoinPool as a task.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx8g"})
public class SpawnBenchmark {

    /** The idle program's state. */
    public record Idle(long n) {}

    /** A fresh kernel per iteration: the process table grows by millions during one. */
    @State(Scope.Benchmark)
    public static class KernelState {
        /** memory: nothing persisted; disk: audit fsynced and processes checkpointed, as in production. */
        @Param({"memory", "disk"})
        String storage;

        Kernel kernel;
        SpawnSpec spec;

        @Setup(Level.Iteration)
        public void setUp() {
            kernel = Bench.kernel(2, storage);
            // No scheduler is bound (the default), so nothing ever runs: spawned processes stay READY.
            kernel.addProgram(Bench.program("idle", Idle.class, a -> new Idle(0),
                    (s, last) -> Step.call(new Idle(1), "proc.sleep", Args.of("ms", 3_600_000L))), "bench");
            spec = SpawnSpec.of("idle", Args.none());
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            Bench.stop(kernel);
            kernel = null;
        }
    }

    /** The baseline's agent: a few fields and a state record. */
    static final class PlainAgent {
        final long id;
        final String owner;
        final String program;
        volatile int status;
        Idle state;

        PlainAgent(long id, String owner, String program, Idle state) {
            this.id = id;
            this.owner = owner;
            this.program = program;
            this.state = state;
        }
    }

    @State(Scope.Benchmark)
    public static class PoolState {
        ForkJoinPool pool;
        long nextId;

        @Setup(Level.Trial)
        public void setUp() {
            pool = new ForkJoinPool(2);
        }

        @TearDown(Level.Iteration)
        public void drain() {
            pool.awaitQuiescence(10, TimeUnit.SECONDS);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    public long kernelSpawn(KernelState s) throws SyscallException {
        return s.kernel.spawn(s.spec);
    }

    @Benchmark
    public PlainAgent baselineForkJoinSubmit(PoolState s) {
        PlainAgent a = new PlainAgent(s.nextId++, "root", "idle", new Idle(0));
        s.pool.execute(() -> a.status = 1);
        return a;
    }
}
