package org.agentos.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SharedSpec;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable puts with 64 writers, each rewriting its own key with a ~100-byte JSON document and
 * waiting for the put's stage before the next (acknowledged once the record is fsynced):
 * {@code memory}, {@link MemoryManager#put} into a persistent {@code shared/bench} of
 * memory.hierarchical in a temporary directory (its log: one writer thread, group commit, one
 * write and one {@code fdatasync} per round; compacted while running once it passes 64 MiB and
 * twice the live data). Baseline in the same run: {@code channel}, the same 64 producers each
 * serializing {@code {"key":..,"json":..}} to one line, queuing it and waiting for its future, and
 * one writer thread that drains the queue, appends the round with one {@code FileChannel.write}
 * and one {@code force(false)} (as the log does), then completes the round's futures: a
 * group-committed append with nothing else (no framing, no tree, no compaction).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@Threads(64)
public class MemoryPersistentPutBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPACE = "shared/bench";

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"memory", "channel"})
        String kind;

        Path dir;
        HierarchicalMemory mem;
        GroupLog log;
        final AtomicInteger writers = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("agentos-mem-bench");
            switch (kind) {
                case "memory" -> {
                    mem = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30); // the component's default quotas
                    mem.share(MemCaller.operator("bench"), "bench", new SharedSpec(true, 0));
                }
                case "channel" -> log = new GroupLog(dir.resolve("plain.log"));
                default -> throw new IllegalArgumentException("kind: memory or channel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            if (mem != null) mem.close();
            if (log != null) log.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        String key;
        MemCaller caller;
        int n;

        @Setup(Level.Trial)
        public void setUp(Store s) {
            int id = s.writers.incrementAndGet();
            key = "w" + id;
            caller = MemCaller.process(id, "bench", Set.of("mem:write:" + SPACE)::contains);
        }
    }

    @Benchmark
    public Object put(Store s, Writer w) throws Exception {
        var doc = MemoryGetPutBenchmark.DOCS[w.n++ & (MemoryGetPutBenchmark.DOCS.length - 1)];
        if (s.mem != null) return s.mem.put(w.caller, SPACE, w.key, MemWrite.json(doc)).toCompletableFuture().get();
        byte[] line = JSON.writeValueAsBytes(JSON.createObjectNode().put("key", w.key).set("json", doc));
        return s.log.append(line).get();
    }

    /** The baseline: one thread appending what producers queue, one write and one fsync per round. */
    static final class GroupLog implements AutoCloseable {
        private record Pending(byte[] line, CompletableFuture<Boolean> done) {}

        private final FileChannel channel;
        private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        private final Thread writer;

        GroupLog(Path file) throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            writer = new Thread(this::run, "plain-group-log");
            writer.setDaemon(true);
            writer.start();
        }

        CompletableFuture<Boolean> append(byte[] line) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            queue.add(new Pending(line, done));
            return done;
        }

        private void run() {
            List<Pending> round = new ArrayList<>();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (true) {
                try {
                    round.add(queue.take());
                } catch (InterruptedException stop) {
                    return;
                }
                queue.drainTo(round);
                IOException error = null;
                try {
                    for (Pending p : round) {
                        if (buf.remaining() < p.line().length + 1) {
                            buf.flip();
                            while (buf.hasRemaining()) channel.write(buf);
                            buf.clear();
                        }
                        buf.put(p.line()).put((byte) '\n');
                    }
                    buf.flip();
                    while (buf.hasRemaining()) channel.write(buf);
                    buf.clear();
                    channel.force(false);
                } catch (IOException e) {
                    error = e;
                }
                for (Pending p : round) {
                    if (error == null) p.done().complete(true);
                    else p.done().completeExceptionally(error);
                }
                round.clear();
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            writer.interrupt();
            writer.join(5000);
            channel.close();
        }
    }
}
