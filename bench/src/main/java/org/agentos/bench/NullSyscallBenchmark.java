package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
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
 * The null syscall: {@code kernel.call(pid, "proc.yield", {})} on behalf of one long-lived
 * process, through the whole mediation path (table lookup, schema validation, capability check,
 * quota check and charge, audit record, errno mapping). The process was spawned with no
 * scheduler bound, so it never runs itself. Baseline: the same trivial work as a direct method
 * call on a {@link Tool}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
@State(Scope.Benchmark)
public class NullSyscallBenchmark {

    static final JsonNode EMPTY_ARGS = Args.none();

    /** The idle program's state. */
    public record Idle(long n) {}

    /** What the baseline calls: a tool that does nothing and returns a constant. */
    static final class NullTool implements Tool {
        private final ToolDescriptor descriptor = ToolDescriptor.builder("bench.null").version("0.1.0")
                .description("does nothing").args(ToolDescriptor.emptyObjectSchema()).build();

        @Override
        public ToolDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public JsonNode call(ToolContext context, JsonNode args) {
            return NullNode.instance;
        }
    }

    /** The caller as the baseline's tool sees it. */
    static final class DirectContext implements ToolContext {
        private final long pid;

        DirectContext(long pid) {
            this.pid = pid;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public String owner() {
            return "root";
        }

        @Override
        public boolean permits(String capability) {
            return true;
        }

        @Override
        public void chargeBytes(long bytes) {
        }

        @Override
        public void chargeTokens(long tokens) {
        }
    }

    /** memory: nothing persisted; disk: audit fsynced and processes checkpointed, as in production. */
    @Param({"memory", "disk"})
    String storage;

    Kernel kernel;
    long pid;
    Tool tool;
    ToolContext context;

    @Setup(Level.Trial)
    public void setUp() throws SyscallException {
        kernel = Bench.kernel(2, storage);
        kernel.addProgram(Bench.program("idle", Idle.class, a -> new Idle(0),
                (s, last) -> Step.call(new Idle(1), "proc.sleep", Args.of("ms", 3_600_000L))), "bench");
        pid = kernel.spawn(SpawnSpec.of("idle", Args.none()));
        SyscallResult check = kernel.call(pid, "proc.yield", EMPTY_ARGS);
        if (!check.isOk()) throw new IllegalStateException("proc.yield failed: " + check);
        tool = new NullTool();
        context = new DirectContext(pid);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        SyscallResult last = kernel.call(pid, "proc.yield", EMPTY_ARGS);
        if (!last.isOk()) throw new IllegalStateException("proc.yield failed during the run: " + last);
        Bench.stop(kernel);
    }

    @Benchmark
    public SyscallResult kernelNullSyscall() {
        return kernel.call(pid, "proc.yield", EMPTY_ARGS);
    }

    @Benchmark
    public SyscallResult baselineDirectCall() throws SyscallException {
        JsonNode v = tool.call(context, EMPTY_ARGS);
        return v == NullNode.instance ? SyscallResult.OK : SyscallResult.ok(v);
    }
}
