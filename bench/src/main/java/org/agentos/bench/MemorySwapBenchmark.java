package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.memory.heap.HeapMemory;
import org.agentos.memory.hierarchical.HierarchicalMemory;
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
 * A live memory-manager swap ({@code kernel:swap memory}): {@code entries} ~100-byte JSON
 * documents in 10 shared spaces, written through the kernel's {@code mem.put}, memory only.
 * Each invocation swaps memory.hierarchical -> memory.heap or back; the kernel quiesces the
 * mem.* calls, exports the bound manager's spaces and imports them into the other, so the score
 * (the whole swap call, no call in flight) is the time agents' memory calls would wait.
 * Baseline in the same run: {@code new HashMap<>(map)} of as many entries (the cheapest hand-over
 * of that many references).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class MemorySwapBenchmark {
    static final int SPACES = 10;

    public record Idle(int n) {}

    @State(Scope.Benchmark)
    public static class Managers {
        @Param({"1000", "100000"})
        int entries;

        Kernel kernel;
        MemoryManager hierarchical;
        MemoryManager heap;
        boolean onHeap;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            kernel = Bench.kernel(2, "memory");
            hierarchical = HierarchicalMemory.standalone(null, 0, 0);
            heap = HeapMemory.standalone();
            kernel.setMemoryManager(hierarchical, "memory.hierarchical");
            kernel.addProgram(Bench.program("idle", Idle.class, a -> new Idle(0),
                    (s, last) -> Step.call(new Idle(1), "proc.sleep", Args.of("ms", 3_600_000L))), "bench");
            List<String> caps = new ArrayList<>();
            for (int s = 0; s < SPACES; s++) caps.addAll(List.of("mem:share:bench" + s, "mem:write:shared/bench" + s));
            long pid = kernel.spawn(new SpawnSpec("idle", Args.none(), "bench", 0, caps, null));
            for (int s = 0; s < SPACES; s++) ok(kernel.call(pid, "mem.share", Args.of("name", "bench" + s)));
            for (int i = 0; i < entries; i++) {
                JsonNode doc = Args.of("title", "document " + i, "n", i, "tags", "alpha beta gamma", "text", "x".repeat(40));
                ok(kernel.call(pid, "mem.put", Args.of("space", "shared/bench" + (i % SPACES), "key", "doc/" + i, "value", doc)));
            }
        }

        private static void ok(SyscallResult r) {
            if (!r.isOk()) throw new IllegalStateException(r.toString());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            long held = (onHeap ? heap : hierarchical).spaces().stream().mapToLong(s -> s.entries()).sum();
            Bench.stop(kernel);
            if (held != entries) throw new IllegalStateException("entries after the swaps: " + held + " of " + entries);
        }
    }

    @State(Scope.Benchmark)
    public static class Plain {
        @Param({"1000", "100000"})
        int entries;

        Map<String, JsonNode> map;

        @Setup(Level.Trial)
        public void setUp() {
            map = new HashMap<>();
            for (int i = 0; i < entries; i++) map.put("doc/" + i, Args.of("n", i));
        }
    }

    @Benchmark
    public String swapThroughTheKernel(Managers m) {
        String outcome = m.kernel.setMemoryManager(m.onHeap ? m.hierarchical : m.heap, m.onHeap ? "memory.hierarchical" : "memory.heap");
        if (!outcome.contains(" spaces carried over") || outcome.contains("refused")) throw new IllegalStateException(outcome);
        m.onHeap = !m.onHeap;
        return outcome;
    }

    @Benchmark
    public Map<String, JsonNode> copyAMapBaseline(Plain p) {
        return new HashMap<>(p.map);
    }
}
