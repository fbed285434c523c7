package org.agentos.bench;

import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a memory fork by the size of the parent's space: {@code user/1} holding
 * {@code size} = 1 KiB, 1 MiB or 100 MiB as 1 KiB blobs of random bytes (1, 1024, 102 400
 * entries), memory only. One operation is {@link MemoryManager#fork}{@code (1, child, owner)}
 * (the child's space becomes a logical copy of the parent's) followed by
 * {@link MemoryManager#processExited}{@code (child)}, which drops the child's space again, so
 * that memory does not grow with the number of forks: a short-lived child's whole memory life.
 * The store is made with no per-space and no per-owner quota (the defaults, 64 MiB and 1 GiB,
 * refuse a 100 MiB space). Baseline in the same run: {@code new TreeMap<>(parent)} of the same
 * entries (keys and blob references, a {@code SortedMap} copied in O(n)), the eager copy a fork
 * would otherwise make, without copying the bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MemoryForkBenchmark {
    static final int BLOB = 1024;

    static int entries(String size) {
        return switch (size) {
            case "1KiB" -> 1;
            case "1MiB" -> 1024;
            case "100MiB" -> 100 * 1024;
            default -> throw new IllegalArgumentException("size: 1KiB, 1MiB or 100MiB");
        };
    }

    static String key(int i) {
        return String.format("blob/%06d", i);
    }

    @State(Scope.Benchmark)
    public static class Parent {
        @Param({"1KiB", "1MiB", "100MiB"})
        String size;

        MemoryManager mem;
        long child = 1;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            mem = HierarchicalMemory.standalone(null, 0, 0);
            mem.processStarted(1, "bench");
            MemCaller parent = MemCaller.process(1, "bench", c -> false);
            Random random = new Random(1);
            int n = entries(size);
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[BLOB];
                random.nextBytes(b);
                mem.put(parent, SpaceKind.userSpace(1), key(i), MemWrite.blob(b)).toCompletableFuture().join();
            }
            SpaceInfo info = mem.space(SpaceKind.userSpace(1)).orElseThrow();
            if (info.entries() != n || info.bytes() != (long) n * BLOB) throw new IllegalStateException("parent not filled: " + info);
            mem.fork(1, ++child, "bench"); // once, to check that the child sees the parent's entries
            SpaceInfo forked = mem.space(SpaceKind.userSpace(child)).orElseThrow();
            if (forked.entries() != n || forked.sharedBytes() != info.bytes()) throw new IllegalStateException("fork: " + forked);
            mem.processExited(child);
        }
    }

    @State(Scope.Benchmark)
    public static class Copy {
        @Param({"1KiB", "1MiB", "100MiB"})
        String size;

        final TreeMap<String, byte[]> parent = new TreeMap<>();

        @Setup(Level.Trial)
        public void setUp() {
            Random random = new Random(1);
            int n = entries(size);
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[BLOB];
                random.nextBytes(b);
                parent.put(key(i), b);
            }
        }
    }

    @Benchmark
    public long forkAndExit(Parent p) throws SyscallException {
        long child = ++p.child;
        p.mem.fork(1, child, "bench");
        p.mem.processExited(child);
        return child;
    }

    @Benchmark
    public TreeMap<String, byte[]> treeMapCopy(Copy c) {
        return new TreeMap<>(c.parent);
    }
}
