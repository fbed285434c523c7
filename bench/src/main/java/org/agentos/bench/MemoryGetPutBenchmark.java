package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.syscall.SyscallException;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Small JSON documents (about 100 bytes; 100 000 keys, each picked at random per call) read and
 * written from 2 threads through {@link MemoryManager#get} / {@link MemoryManager#put} of
 * memory.hierarchical, memory only, with the component's default quotas (no OSGi, no kernel:
 * the calls the kernel's {@code mem.get} / {@code mem.put} would make). {@code space=shared}: one
 * {@code shared/bench}, both threads callers (processes) holding {@code mem:read} and
 * {@code mem:write} for it; {@code space=user}: each thread a process in its own
 * {@code user/<pid>}, filled with the same keys. A get returns the stored document, read-only (no
 * copy); a put serializes it (measuring it for quotas) and keeps a read-only copy, its stage
 * complete at once. Baseline in
 * the same run: {@code ConcurrentHashMap<String, JsonNode>} get / put of the same keys and
 * documents (no copies, no checks).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@Threads(2)
public class MemoryGetPutBenchmark {
    static final int KEYS = 100_000;
    static final String[] KEY = new String[KEYS];
    static final JsonNode[] DOCS = new JsonNode[1024];

    static {
        for (int i = 0; i < KEYS; i++) KEY[i] = "doc/" + i;
        for (int i = 0; i < DOCS.length; i++) DOCS[i] = doc(i);
    }

    /** About 100 bytes as JSON, e.g. {"id":17,"agent":"planner-17","step":17,"status":"running","note":"read the input, wrote a plan"}. */
    static ObjectNode doc(int i) {
        return JsonNodeFactory.instance.objectNode().put("id", i).put("agent", "planner-" + (i % 100))
                .put("step", i % 1000).put("status", i % 3 == 0 ? "blocked" : "running")
                .put("note", "read the input, wrote a plan");
    }

    @State(Scope.Benchmark)
    public static class Memory {
        @Param({"shared", "user"})
        String space;

        MemoryManager mem;
        final AtomicInteger pids = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            mem = HierarchicalMemory.standalone(null, 64L << 20, 1L << 30); // the component's default quotas
            if (space.equals("shared")) {
                MemCaller operator = MemCaller.operator("bench");
                mem.share(operator, "bench", new SharedSpec(false, 0));
                for (int i = 0; i < KEYS; i++) {
                    mem.put(operator, "shared/bench", KEY[i], MemWrite.json(DOCS[i % DOCS.length])).toCompletableFuture().join();
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class Caller {
        MemCaller caller;
        String space;

        @Setup(Level.Trial)
        public void setUp(Memory m) throws Exception {
            long pid = m.pids.incrementAndGet();
            m.mem.processStarted(pid, "bench");
            if (m.space.equals("shared")) {
                space = "shared/bench";
                caller = MemCaller.process(pid, "bench", Set.of("mem:read:" + space, "mem:write:" + space)::contains);
            } else {
                space = SpaceKind.userSpace(pid);
                caller = MemCaller.process(pid, "bench", c -> false);
                for (int i = 0; i < KEYS; i++) {
                    m.mem.put(caller, space, KEY[i], MemWrite.json(DOCS[i % DOCS.length])).toCompletableFuture().join();
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Map {
        final ConcurrentHashMap<String, JsonNode> map = new ConcurrentHashMap<>();

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < KEYS; i++) map.put(KEY[i], DOCS[i % DOCS.length]);
        }
    }

    @Benchmark
    public MemEntry memoryGet(Memory m, Caller c) throws SyscallException {
        return m.mem.get(c.caller, c.space, KEY[ThreadLocalRandom.current().nextInt(KEYS)]);
    }

    @Benchmark
    public Object memoryPut(Memory m, Caller c) throws SyscallException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return m.mem.put(c.caller, c.space, KEY[r.nextInt(KEYS)], MemWrite.json(DOCS[r.nextInt(DOCS.length)]));
    }

    @Benchmark
    public JsonNode concurrentHashMapGet(Map m) {
        return m.map.get(KEY[ThreadLocalRandom.current().nextInt(KEYS)]);
    }

    @Benchmark
    public JsonNode concurrentHashMapPut(Map m) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return m.map.put(KEY[r.nextInt(KEYS)], DOCS[r.nextInt(DOCS.length)]);
    }
}
