package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.agentos.kernel.api.process.ProcessState;
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
 * Resident heap per idle process. One shot per process count, in its own JVM: the baseline (N
 * plain agent objects, each with a state record, in a ConcurrentHashMap by id) is measured and
 * dropped in the trial setup; the benchmark then spawns N processes of a program that sleeps an
 * hour after its first step, with the round-robin scheduler and 2 workers, and returns once all
 * of them made that step and are BLOCKED (the JMH score is how long that took). The teardown
 * measures the heap used after full GCs, minus the figure before spawning, and prints
 * {@code idle-heap processes=N kernel=X B/process baseline=Y B/object}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@State(Scope.Benchmark)
public class IdleHeapBenchmark {

    /** Sleep for an hour: shared by every process, as a program's constant arguments would be. */
    static final JsonNode SLEEP_ARGS = Args.of("ms", 3_600_000L);

    /** The sleeper program's state (and the baseline agent's). */
    public record Sleeper(long n) {}

    /** The baseline's agent: a few fields and a state record. */
    static final class PlainAgent {
        final long id;
        final String owner;
        final String program;
        int status;
        Sleeper state;

        PlainAgent(long id, String owner, String program, Sleeper state) {
            this.id = id;
            this.owner = owner;
            this.program = program;
            this.state = state;
        }
    }

    @Param({"100000", "1000000"})
    int processes;

    /**
     * {@code shared}: every process sleeps with the same constant args object; {@code perProcess}:
     * each builds its own {@code Args.of("ms", ...)}, as most programs would, and the kernel keeps
     * it while the call is pending (a restart makes the call again).
     */
    @Param({"shared", "perProcess"})
    String sleepArgs;

    long baselineBytes;
    long kernelBefore;
    long firstPid;
    long lastPid;
    final LongAdder blocked = new LongAdder();
    Kernel kernel;

    @Setup(Level.Trial)
    public void setUp() {
        long before = usedAfterGc();
        ConcurrentHashMap<Long, PlainAgent> agents = new ConcurrentHashMap<>();
        for (long id = 0; id < processes; id++) {
            agents.put(id, new PlainAgent(id, "root", "sleeper", new Sleeper(1)));
        }
        baselineBytes = usedAfterGc() - before;
        Reference.reachabilityFence(agents);
        agents = null;

        kernel = Bench.kernel(2, "memory");
        LongAdder counter = blocked;
        boolean shared = "shared".equals(sleepArgs);
        kernel.addProgram(Bench.program("sleeper", Sleeper.class, a -> new Sleeper(0), (s, last) -> {
            if (s.n() == 0) {
                counter.increment();
                return Step.call(new Sleeper(1), "proc.sleep", shared ? SLEEP_ARGS : Args.of("ms", 3_600_000L));
            }
            return Step.exit(s, 0);
        }), "bench");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        kernelBefore = usedAfterGc();
    }

    @Benchmark
    public long spawnAndBlock() throws SyscallException {
        SpawnSpec spec = SpawnSpec.of("sleeper", Args.none());
        firstPid = kernel.spawn(spec);
        for (int i = 1; i < processes; i++) {
            lastPid = kernel.spawn(spec);
        }
        Bench.await("all processes to make their first step", 300, () -> blocked.sum() >= processes);
        Bench.await("the last processes to block", 60, () -> isBlocked(lastPid) && isBlocked(lastPid - 1)
                && kernel.scheduler().runnable() == 0);
        return blocked.sum();
    }

    private boolean isBlocked(long pid) {
        return kernel.info(pid).map(i -> i.state() == ProcessState.BLOCKED).orElse(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long used = usedAfterGc() - kernelBefore;
        long inTable = kernel.count() - 1;
        System.out.printf(Locale.ROOT, "%nidle-heap processes=%d kernel=%d B/process baseline=%d B/object"
                        + " (sleep args %s; kernel heap +%.1f MiB for %d processes in the table; baseline +%.1f MiB)%n",
                processes, used / processes, baselineBytes / processes, sleepArgs, used / 1048576.0, inTable,
                baselineBytes / 1048576.0);
        if (inTable != processes || !isBlocked(firstPid)) {
            System.out.println("idle-heap WARNING: expected " + processes + " blocked processes, table has " + inTable);
        }
        Bench.stop(kernel);
    }

    /** Heap in use after full collections, repeated until two readings agree within 256 KiB. */
    static long usedAfterGc() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long prev = Long.MAX_VALUE;
        long used = 0;
        for (int i = 0; i < 10; i++) {
            System.gc();
            // No condition to wait on here: give reference processing a moment between collections.
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            if (Thread.currentThread().isInterrupted()) break;
            used = mx.getHeapMemoryUsage().getUsed();
            if (Math.abs(prev - used) < 256 * 1024) break;
            prev = used;
        }
        return used;
    }
}
