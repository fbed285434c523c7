package org.agentos.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.SwapReport;
import org.agentos.scheduler.fair.FairScheduler;
import org.agentos.scheduler.priority.PriorityScheduler;
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
 * A live scheduler swap under load: 100,000 processes that call {@code proc.yield} for ever
 * (so nearly all of them are queued at any moment) run on 2 CPU workers while each invocation
 * swaps fair -> priority or back. The JMH score is the whole swap call; the pause (the time no
 * process could be picked, from quiesce to resume) is what the kernel reports for each swap, and
 * its median and maximum are printed at the end of each trial. {@code protocol}: state exported
 * and imported; {@code rebuild}, the baseline: schedulers that export nothing, so the kernel
 * refills the new one from the process table.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 40)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@State(Scope.Benchmark)
public class SchedulerSwapBenchmark {

    public record Count(long n) {}

    @Param({"protocol", "rebuild"})
    String mode;

    @Param("100000")
    int processes;

    Kernel kernel;
    Scheduler fair;
    Scheduler priority;
    /** Pauses by direction ("fair -> priority"), in order. */
    final java.util.Map<String, List<Long>> pauses = new java.util.TreeMap<>();

    /** A scheduler that exports nothing, for the rebuild baseline. */
    static final class Mute implements Scheduler {
        final Scheduler inner;

        Mute(Scheduler inner) {
            this.inner = inner;
        }

        @Override public String name() { return inner.name(); }
        @Override public void enqueue(SchedEntity e) { inner.enqueue(e); }
        @Override public SchedEntity pickNext() { return inner.pickNext(); }
        @Override public void remove(SchedEntity e) { inner.remove(e); }
        @Override public void charge(SchedEntity e, long nanos) { inner.charge(e, nanos); }
        @Override public int runnable() { return inner.runnable(); }
        @Override public SchedulerState exportState() { return null; }
    }

    @Setup(Level.Trial)
    public void setUp() throws SyscallException {
        kernel = Bench.kernel(2, "memory");
        kernel.addProgram(Bench.program("yielder", Count.class, a -> new Count(0),
                (s, last) -> Step.call(new Count(s.n() + 1), "proc.yield", Args.none())), "bench");
        fair = new FairScheduler();
        priority = new PriorityScheduler();
        if ("rebuild".equals(mode)) {
            fair = new Mute(fair);
            priority = new Mute(priority);
        } else if (!"protocol".equals(mode)) {
            throw new IllegalArgumentException("mode: protocol or rebuild");
        }
        kernel.setScheduler(fair, "bench");
        for (int i = 0; i < processes; i++) {
            kernel.spawn(new SpawnSpec("yielder", null, "tenant-" + (i % 100), (i % 11) - 5, null, null));
        }
    }

    @Benchmark
    public SwapReport swap() {
        Scheduler next = kernel.scheduler() == fair ? priority : fair;
        SwapReport r = kernel.setScheduler(next, "bench");
        pauses.computeIfAbsent(r.from() + " -> " + r.to(), d -> new ArrayList<>()).add(r.pauseNanos());
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (var e : pauses.entrySet()) {
            // Only the measured swaps: the first half of the warm-up ones are left out.
            List<Long> measured = new ArrayList<>(e.getValue().subList(Math.min(3, e.getValue().size() - 1), e.getValue().size()));
            Collections.sort(measured);
            System.out.printf(Locale.ROOT, "%nswap pause (%s, %d processes) %s over %d swaps: median %.2f ms, max %.2f ms%n",
                    mode, processes, e.getKey(), measured.size(), measured.get(measured.size() / 2) / 1e6,
                    measured.get(measured.size() - 1) / 1e6);
        }
        System.out.println("last swap: " + kernel.lastSwap());
        Bench.stop(kernel);
    }
}
