package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Step dispatch: 1000 processes of a program that calls {@code proc.yield} for ever, run by the
 * kernel's round-robin scheduler on 2 CPU workers. Each step bumps a LongAdder; one benchmark
 * invocation waits until {@value #STEPS} more steps were done, so the score is steps per
 * second (each step includes the mediated {@code proc.yield} the step asks for). Baseline: the
 * same number of plain agent objects whose step re-submits itself to a ForkJoinPool(2).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Three warmup iterations: the kernel's dispatch path needs ~6 s of JIT on 2 busy cores to reach its steady rate.
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
public class StepDispatchBenchmark {

    static final int STEPS = 1_000_000;
    static final JsonNode EMPTY_ARGS = Args.none();

    /** The looping program's state (and the baseline agent's). */
    public record Count(long n) {}

    @State(Scope.Benchmark)
    public static class KernelState {
        /** memory: nothing persisted; disk: audit fsynced and processes checkpointed, as in production. */
        @Param({"memory", "disk"})
        String storage;

        @Param("1000")
        int processes;

        final LongAdder steps = new LongAdder();
        Kernel kernel;

        @Setup(Level.Trial)
        public void setUp() throws SyscallException {
            kernel = Bench.kernel(2, storage);
            LongAdder counter = steps;
            kernel.addProgram(Bench.program("yielder", Count.class, a -> new Count(0), (s, last) -> {
                counter.increment();
                return Step.call(new Count(s.n() + 1), "proc.yield", EMPTY_ARGS);
            }), "bench");
            kernel.setScheduler(new RoundRobinScheduler(), "bench");
            for (int i = 0; i < processes; i++) {
                kernel.spawn(SpawnSpec.of("yielder", Args.none()));
            }
            long target = processes;
            Bench.await("every process to make its first step", 30, () -> counter.sum() >= target);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Bench.stop(kernel);
        }
    }

    /** A baseline agent: one step, then it submits itself again. */
    static final class Agent implements Runnable {
        final PoolState owner;
        Count state = new Count(0);

        Agent(PoolState owner) {
            this.owner = owner;
        }

        @Override
        public void run() {
            state = new Count(state.n() + 1);
            owner.steps.increment();
            if (owner.running) owner.pool.execute(this);
        }
    }

    @State(Scope.Benchmark)
    public static class PoolState {
        @Param("1000")
        int processes;

        final LongAdder steps = new LongAdder();
        volatile boolean running = true;
        ForkJoinPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            pool = new ForkJoinPool(2);
            for (int i = 0; i < processes; i++) {
                pool.execute(new Agent(this));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Waits, parking 1 ms at a time (so the waiting thread takes little CPU from the workers), until {@code n} more steps were counted. */
    static long awaitSteps(LongAdder steps, long n) {
        long target = steps.sum() + n;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long now;
        while ((now = steps.sum()) < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + (now - target + n) + " of " + n + " steps in 120 s");
            }
            LockSupport.parkNanos(1_000_000);
        }
        return now;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long kernelSteps(KernelState s) {
        return awaitSteps(s.steps, STEPS);
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long baselineForkJoinSteps(PoolState s) {
        return awaitSteps(s.steps, STEPS);
    }
}
