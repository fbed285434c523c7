package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.impl.AgentRuntime;
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
 * A syscall made from agent code ({@code agent.runtime}) beside the same syscall made by a
 * hand-written {@code Program}: {@code clock.now} for ever, by {@value #PROCESSES} processes on
 * 2 CPU workers, counted; the score is the time per call (ns). The program's call ends its step
 * and goes through the scheduler; the agent's completes inside its step (StepContext.callNow)
 * until its 5 ms slice is used. Both are mediated and audited (in memory). Target: agent code
 * adds at most 1 µs per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
@State(Scope.Benchmark)
public class AgentCallBenchmark {
    static final int CALLS = 200_000;
    static final int PROCESSES = 4;
    static final JsonNode EMPTY = Args.none();

    public record Count(long n) {}

    @Param({"agent", "program"})
    String caller;

    final LongAdder calls = new LongAdder();
    Kernel kernel;
    AgentRuntime runtime;

    @Setup(Level.Trial)
    public void setUp() throws SyscallException {
        kernel = Bench.kernel(2, "memory");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        LongAdder counter = calls;
        if (caller.equals("agent")) {
            runtime = new AgentRuntime(64, 0, Integer.MAX_VALUE);
            kernel.addProgram(runtime.program(new Agent<JsonNode>() {
                @Override
                public String name() {
                    return "clock-reader";
                }

                @Override
                public Class<JsonNode> inputType() {
                    return JsonNode.class;
                }

                @Override
                public String run(Sys sys, JsonNode input) {
                    // continueAsNew keeps the history (and the heap) bounded over millions of calls
                    for (int i = 0; i < 50_000; i++) {
                        sys.clock().now();
                        counter.increment();
                    }
                    sys.continueAsNew(input);
                    return "unreachable";
                }
            }), "bench");
        } else {
            kernel.addProgram(Bench.program("clock-reader", Count.class, a -> new Count(0), (s, last) -> {
                if (last != null) counter.increment();
                return Step.call(new Count(s.n() + 1), "clock.now", EMPTY);
            }), "bench");
        }
        for (int i = 0; i < PROCESSES; i++) kernel.spawn(SpawnSpec.of("clock-reader", Args.none()));
        Bench.await("the first calls", 30, () -> counter.sum() >= PROCESSES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Bench.stop(kernel);
        if (runtime != null) runtime.close();
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long call() {
        return StepDispatchBenchmark.awaitSteps(calls, CALLS);
    }
}
