package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
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
 * Agent-to-agent messages through the full syscall path: {@code pairs} producer agents each
 * sending to their own at-most-once queue with {@code ipc.send} (one message, or a batch of
 * {@code batch}), and as many consumer agents receiving with {@code ipc.recv} (up to
 * {@code batch} per call), on 2 CPU workers; every call mediated (schema, capabilities, quota,
 * accounting, audit record in memory). Counted: messages received. Baseline in the same run:
 * one producer and one consumer thread handing Integers through an {@link ArrayBlockingQueue}
 * (put/take, or drainTo in batches of {@code batch}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@OperationsPerInvocation(IpcThroughputBenchmark.MESSAGES)
public class IpcThroughputBenchmark {
    static final int MESSAGES = 1_000_000;

    /** The producer's and the consumer's state. */
    public record Loop(long n) {}

    @State(Scope.Benchmark)
    public static class Agents {
        @Param({"1", "100"})
        int batch;

        @Param("64")
        int pairs;

        final LongAdder received = new LongAdder();
        Kernel kernel;

        @Setup(Level.Trial)
        public void setUp() throws SyscallException {
            kernel = Bench.kernel(2, "memory");
            LongAdder counter = received;
            kernel.addProgram(Bench.program("sender", JsonNode.class, a -> a,
                    (args, last) -> Step.call(args, "ipc.send", args)), "bench");
            kernel.addProgram(Bench.program("receiver", JsonNode.class, a -> a, (args, last) -> {
                if (last != null && last.isOk()) counter.add(last.value().get("messages").size());
                return Step.call(args, "ipc.recv", args);
            }), "bench");
            kernel.setScheduler(new RoundRobinScheduler(), "bench");
            for (int i = 0; i < pairs; i++) {
                String q = "q" + i;
                kernel.ipc().create(QueueSpec.builder(q).delivery(Delivery.AT_MOST_ONCE).capacity(Math.max(1024, 4 * batch)).build(), "bench");
                JsonNode send;
                if (batch == 1) {
                    send = Args.of("queue", q, "payload", i);
                } else {
                    ArrayNode msgs = Args.none().arrayNode();
                    for (int m = 0; m < batch; m++) msgs.add(Args.of("payload", m));
                    send = Args.of("queue", q, "messages", msgs);
                }
                kernel.spawn(new SpawnSpec("sender", send, "bench", 0, List.of("ipc:send:" + q), null));
                kernel.spawn(new SpawnSpec("receiver", Args.of("queue", q, "max", batch), "bench", 0, List.of("ipc:recv:" + q), null));
            }
            Bench.await("messages to flow", 30, () -> counter.sum() > 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Bench.stop(kernel);
        }
    }

    @State(Scope.Benchmark)
    public static class Threads {
        @Param({"1", "100"})
        int batch;

        final LongAdder received = new LongAdder();
        final ArrayBlockingQueue<Integer> queue = new ArrayBlockingQueue<>(1024);
        volatile boolean running = true;
        Thread producer;
        Thread consumer;

        @Setup(Level.Trial)
        public void setUp() {
            producer = new Thread(() -> {
                Integer one = 1;
                try {
                    while (running) queue.put(one);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            }, "abq-producer");
            consumer = new Thread(() -> {
                List<Integer> sink = new ArrayList<>(batch);
                try {
                    while (running) {
                        if (batch == 1) {
                            queue.take();
                            received.increment();
                        } else {
                            sink.add(queue.take());
                            queue.drainTo(sink, batch - 1);
                            received.add(sink.size());
                            sink.clear();
                        }
                    }
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            }, "abq-consumer");
            producer.start();
            consumer.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            producer.interrupt();
            consumer.interrupt();
            producer.join(5000);
            consumer.join(5000);
        }
    }

    @Benchmark
    public long agentsThroughSyscalls(Agents s) {
        return StepDispatchBenchmark.awaitSteps(s.received, MESSAGES);
    }

    @Benchmark
    public long arrayBlockingQueueHandoff(Threads s) {
        return StepDispatchBenchmark.awaitSteps(s.received, MESSAGES);
    }
}
