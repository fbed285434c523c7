package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.TimeUnit;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.impl.AgentRuntime;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
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
 * Replay on restart: an agent that made {@code calls} calls ({@code clock.now}, each result
 * recorded) and waits in a last one is brought back from its stored state as after a restart:
 * the state converted from JSON (as the kernel restores it), a new run of the code served the
 * whole history, up to the next call it makes live. Target: 10,000 calls in at most 100 ms.
 * Baseline: reading the same state from JSON alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
@State(Scope.Benchmark)
public class AgentReplayBenchmark {
    @Param("10000")
    int calls;

    final ObjectMapper json = new ObjectMapper();
    AgentRuntime runtime;
    Program<Object> program;
    JsonNode stored;
    final StepContext live = new StepContext() {
        @Override
        public long pid() {
            return 1;
        }

        @Override
        public SyscallResult callNow(String name, JsonNode args) {
            return name.equals("clock.now") ? SyscallResult.ok(Args.of("millis", System.currentTimeMillis())) : null;
        }
    };

    @SuppressWarnings("unchecked")
    @Setup(Level.Trial)
    public void setUp() {
        runtime = new AgentRuntime(16, 0, Integer.MAX_VALUE);
        int n = calls;
        program = (Program<Object>) runtime.program(new Agent<JsonNode>() {
            @Override
            public String name() {
                return "reader";
            }

            @Override
            public Class<JsonNode> inputType() {
                return JsonNode.class;
            }

            @Override
            public String run(Sys sys, JsonNode input) {
                long sum = 0;
                for (int i = 0; i < n; i++) sum += sys.clock().now() & 1;
                sys.call("slow.wait");
                sys.call("slow.next");
                return "sum " + sum;
            }
        });
        Object s = program.init(Args.none());
        Step<Object> first = program.step(s, null, live); // makes the calls, ends with slow.wait
        if (!(first instanceof Step.Call<Object> c) || !c.syscall().equals("slow.wait")) {
            throw new IllegalStateException("expected slow.wait, got " + first);
        }
        stored = json.valueToTree(first.state());
        runtime.processEnded(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        runtime.close();
    }

    @Benchmark
    public Object restoreAndReplay() {
        Object s = json.convertValue(stored, program.stateType());
        Step<Object> next = program.step(s, SyscallResult.OK, live);
        if (!(next instanceof Step.Call<Object> c) || !c.syscall().equals("slow.next")) {
            throw new IllegalStateException("the replay did not reach slow.next: " + next);
        }
        runtime.processEnded(1); // the next invocation replays again
        return next;
    }

    @Benchmark
    public Object baselineRestoreOnly() {
        return json.convertValue(stored, program.stateType());
    }
}
