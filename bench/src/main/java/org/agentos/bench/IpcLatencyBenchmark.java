package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Send-to-receive latency: each operation sends one message to queue {@code probe} and waits
 * until the probe agent, BLOCKED in {@code ipc.recv} on it, has received it (its next step
 * runs with the message); JMH samples these times and prints p50/p99/p99.9. Under load:
 * {@code loadPairs} agent pairs exchange single messages through their own queues as fast as
 * they can on the same 2 CPU workers, so the woken probe agent waits its turn in the run queue
 * like any other process. Baseline in the same run: the same hand-off between two threads
 * through a {@link SynchronousQueue}, with the same load running in the kernel.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@State(Scope.Benchmark)
public class IpcLatencyBenchmark {
    static final Map<Long, CompletableFuture<Void>> PROBES = new ConcurrentHashMap<>();

    @Param({"0", "64"})
    int loadPairs;

    Kernel kernel;
    final AtomicLong seq = new AtomicLong();
    final SynchronousQueue<CompletableFuture<Void>> handoff = new SynchronousQueue<>();
    Thread taker;

    @Setup(Level.Trial)
    public void setUp() throws SyscallException {
        kernel = Bench.kernel(2, "memory");
        kernel.addProgram(Bench.program("probe", JsonNode.class, a -> a, (args, last) -> {
            if (last != null && last.isOk()) {
                for (JsonNode m : last.value().get("messages")) {
                    CompletableFuture<Void> f = PROBES.remove(m.get("payload").asLong());
                    if (f != null) f.complete(null);
                }
            }
            return Step.call(args, "ipc.recv", args);
        }), "bench");
        kernel.addProgram(Bench.program("load-sender", JsonNode.class, a -> a,
                (args, last) -> Step.call(args, "ipc.send", args)), "bench");
        kernel.addProgram(Bench.program("load-receiver", JsonNode.class, a -> a,
                (args, last) -> Step.call(args, "ipc.recv", args)), "bench");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        kernel.ipc().create(QueueSpec.builder("probe").delivery(Delivery.AT_MOST_ONCE).capacity(1024).build(), "bench");
        kernel.spawn(new SpawnSpec("probe", Args.of("queue", "probe", "max", 16), "bench", 0, List.of("ipc:recv:probe"), null));
        for (int i = 0; i < loadPairs; i++) {
            String q = "load" + i;
            kernel.ipc().create(QueueSpec.builder(q).delivery(Delivery.AT_MOST_ONCE).capacity(1024).build(), "bench");
            kernel.spawn(new SpawnSpec("load-sender", Args.of("queue", q, "payload", i), "bench", 0, List.of("ipc:send:" + q), null));
            kernel.spawn(new SpawnSpec("load-receiver", Args.of("queue", q, "max", 1), "bench", 0, List.of("ipc:recv:" + q), null));
        }
        taker = new Thread(() -> {
            try {
                while (true) handoff.take().complete(null);
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
        }, "handoff-taker");
        taker.setDaemon(true);
        taker.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        taker.interrupt();
        Bench.stop(kernel);
    }

    @Benchmark
    public void sendToReceivingAgent() throws Exception {
        long n = seq.incrementAndGet();
        CompletableFuture<Void> received = new CompletableFuture<>();
        PROBES.put(n, received);
        kernel.ipc().send("probe", LongNode.valueOf(n), null);
        received.get(10, TimeUnit.SECONDS);
    }

    @Benchmark
    public void synchronousQueueHandoff() throws Exception {
        CompletableFuture<Void> received = new CompletableFuture<>();
        handoff.put(received);
        received.get(10, TimeUnit.SECONDS);
    }
}
