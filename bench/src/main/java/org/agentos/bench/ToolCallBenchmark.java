package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.impl.Kernel;
import org.agentos.tools.example.TextStats;
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
 * What mediation costs a real in-JVM pure tool: {@code text.stats} over a 12-word sentence,
 * called through the kernel on behalf of a process (table lookup, schema validation of the
 * arguments, capability and quota checks, accounting, audit record, errno mapping; in memory),
 * beside the same tool called directly as a Java method, in the same run. The difference is the
 * price of a system call over a library call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ToolCallBenchmark {
    static final JsonNode ARGS = Args.of("text", "The kernel mediates every call an agent makes, and audits each one.",
            "top", 3);

    /** The idle program's state. */
    public record Idle(long n) {}

    Kernel kernel;
    long pid;
    Tool tool;
    NullSyscallBenchmark.DirectContext context;

    @Setup(Level.Trial)
    public void setUp() throws SyscallException {
        kernel = Bench.kernel(2, "memory");
        tool = new TextStats();
        if (!kernel.addTool(tool, "org.agentos.tools.example")) throw new IllegalStateException("text.stats refused");
        kernel.addProgram(Bench.program("idle", Idle.class, a -> new Idle(0),
                (s, last) -> Step.call(new Idle(1), "proc.sleep", Args.of("ms", 3_600_000L))), "bench");
        pid = kernel.spawn(SpawnSpec.of("idle", Args.none()));
        context = new NullSyscallBenchmark.DirectContext(pid);
        SyscallResult check = kernel.call(pid, "text.stats", ARGS);
        if (!check.isOk() || check.value().path("words").asInt() != 12) {
            throw new IllegalStateException("text.stats through the kernel: " + check);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.stop();
    }

    @Benchmark
    public SyscallResult mediatedByTheKernel() {
        return kernel.call(pid, "text.stats", ARGS);
    }

    @Benchmark
    public JsonNode directCall() throws SyscallException {
        return tool.call(context, ARGS);
    }
}
