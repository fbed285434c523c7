package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.QueueSpec;
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
 * Durable acknowledged sends: {@code senders} agents each sending to one of 4 durable
 * at-most-once queues with {@code ipc.send} (one message of ~100 bytes, or a batch of
 * {@code batch}), acknowledged only after the queue log's group commit has fsynced their
 * records; 16 receiver agents per queue drain them (whose receives are journaled too). The kernel
 * runs with the production defaults on disk (audit log fsynced, checkpoints), 2 CPU workers.
 * Counted: messages whose send was acknowledged. Baseline in the same run: 64 threads appending
 * ~100-byte records to one file through a group-committing writer thread (one write and one
 * fsync per round, each thread waiting for its record's fsync) — the floor of what a durable
 * log on this disk costs, with no queue, no JSON and no syscall around it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// long warm-up: the figure climbs for ~20 s (JIT of the batch path, heap sizing) before it settles
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@OperationsPerInvocation(IpcDurableBenchmark.MESSAGES)
public class IpcDurableBenchmark {
    static final int MESSAGES = 200_000;
    static final int QUEUES = 4;
    /** Each receive waits for its group commit: enough receivers that draining keeps up with sending. */
    static final int DRAINS_PER_QUEUE = 16;
    static final String PAYLOAD = "x".repeat(100);

    @State(Scope.Benchmark)
    public static class Agents {
        @Param({"1", "100"})
        int batch;

        @Param("512")
        int senders;

        final LongAdder acknowledged = new LongAdder();
        Kernel kernel;

        @Setup(Level.Trial)
        public void setUp() throws SyscallException {
            kernel = Bench.kernel(2, "disk");
            LongAdder counter = acknowledged;
            // The batch is built once per queue and kept out of the process's state: a sender's state is
            // its queue number, as an agent's would be small, so checkpoints do not copy the batch.
            JsonNode[] sends = new JsonNode[QUEUES];
            for (int q = 0; q < QUEUES; q++) {
                if (batch == 1) {
                    sends[q] = Args.of("queue", "d" + q, "payload", PAYLOAD);
                } else {
                    ArrayNode msgs = Args.none().arrayNode();
                    for (int m = 0; m < batch; m++) msgs.add(Args.of("payload", PAYLOAD));
                    sends[q] = Args.of("queue", "d" + q, "messages", msgs);
                }
            }
            kernel.addProgram(Bench.program("durable-sender", Integer.class, a -> a.get("q").asInt(), (q, last) -> {
                if (last != null && last.isOk()) counter.add(last.value().get("ids").size());
                return Step.call(q, "ipc.send", sends[q]);
            }), "bench");
            kernel.addProgram(Bench.program("drain", JsonNode.class, a -> a,
                    (args, last) -> Step.call(args, "ipc.recv", args)), "bench");
            kernel.setScheduler(new RoundRobinScheduler(), "bench");
            for (int i = 0; i < QUEUES; i++) {
                kernel.ipc().create(QueueSpec.builder("d" + i).delivery(Delivery.AT_MOST_ONCE).durable(true)
                        .capacity(200_000).build(), "bench");
                for (int d = 0; d < DRAINS_PER_QUEUE; d++) {
                    kernel.spawn(new SpawnSpec("drain", Args.of("queue", "d" + i, "max", 1000), "bench", 0,
                            List.of("ipc:recv:d" + i), null));
                }
            }
            for (int i = 0; i < senders; i++) {
                int q = i % QUEUES;
                kernel.spawn(new SpawnSpec("durable-sender", Args.of("q", q), "bench", 0, List.of("ipc:send:d" + q), null));
            }
            Bench.await("durable sends to be acknowledged", 30, () -> counter.sum() > 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            System.out.println();
            for (int i = 0; i < QUEUES; i++) System.out.println("at the end: " + kernel.ipc().stats("d" + i).orElseThrow());
            Bench.stop(kernel);
        }
    }

    @State(Scope.Benchmark)
    public static class PlainLog {
        @Param("64")
        int threads;

        final LongAdder acknowledged = new LongAdder();
        final LinkedBlockingQueue<CompletableFuture<Void>> pending = new LinkedBlockingQueue<>();
        volatile boolean running = true;
        final List<Thread> producers = new ArrayList<>();
        Thread writer;
        Path dir;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("agentos-bench-log");
            FileChannel ch = FileChannel.open(dir.resolve("plain.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            byte[] record = ("{\"t\":\"send\",\"q\":\"d0\",\"id\":1,\"payload\":\"" + PAYLOAD + "\"}").getBytes();
            writer = new Thread(() -> {
                List<CompletableFuture<Void>> round = new ArrayList<>();
                ByteBuffer buf = ByteBuffer.allocate(8 << 20);
                try {
                    while (running) {
                        CompletableFuture<Void> first = pending.poll(100, TimeUnit.MILLISECONDS);
                        if (first == null) continue;
                        round.add(first);
                        pending.drainTo(round);
                        for (int i = 0; i < round.size(); i++) {
                            if (buf.remaining() < record.length + 8) {
                                buf.flip();
                                while (buf.hasRemaining()) ch.write(buf);
                                buf.clear();
                            }
                            buf.putInt(record.length).putInt(i).put(record);
                        }
                        buf.flip();
                        while (buf.hasRemaining()) ch.write(buf);
                        buf.clear();
                        ch.force(false);
                        for (CompletableFuture<Void> f : round) f.complete(null);
                        round.clear();
                    }
                    ch.close();
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, "plain-log-writer");
            writer.start();
            for (int t = 0; t < threads; t++) {
                Thread p = new Thread(() -> {
                    while (running) {
                        CompletableFuture<Void> done = new CompletableFuture<>();
                        pending.add(done);
                        try {
                            done.get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            return;
                        }
                        acknowledged.increment();
                    }
                }, "plain-log-producer");
                p.start();
                producers.add(p);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            running = false;
            for (Thread p : producers) p.join(15_000);
            writer.join(5000);
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    @Benchmark
    public long durableSendsThroughSyscalls(Agents s) {
        return StepDispatchBenchmark.awaitSteps(s.acknowledged, MESSAGES);
    }

    @Benchmark
    public long groupCommittedFileAppend(PlainLog s) {
        return StepDispatchBenchmark.awaitSteps(s.acknowledged, MESSAGES);
    }
}
