package org.agentos.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agentos.apps.examples.Counter;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.scheduler.fair.FairScheduler;
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
 * Fairness under overload, as a user sees it: {@code processes} example counters
 * ({@code {"limit":0,"sleepMs":200}}, one {@code clock.now} and one {@code proc.sleep} per count)
 * under the fair scheduler on 2 CPU workers, far more work than 2 cores can do. After
 * {@code seconds} of running, the steps each process made are read from the process table and
 * their spread printed: minimum, 1st percentile, median, maximum, and how many made at most 2
 * steps. Equal processes should progress at about the same rate: the minimum stays near the
 * median. The JMH score (SingleShotTime) is the whole run, spawning included.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@State(Scope.Benchmark)
public class FairnessBenchmark {

    @Param("100000")
    int processes;

    @Param("60")
    int seconds;

    @Param({"disk"})
    String storage;

    Kernel kernel;

    @Setup(Level.Iteration)
    public void setUp() {
        kernel = Bench.kernel(2, storage);
        kernel.addProgram(new Counter(), "bench");
        kernel.setScheduler(new FairScheduler(), "bench");
    }

    @Benchmark
    public long[] run() throws SyscallException, InterruptedException {
        var args = JsonNodeFactory.instance.objectNode().put("limit", 0).put("sleepMs", 200);
        for (int i = 0; i < processes; i++) {
            kernel.spawn(new SpawnSpec("counter", args, "bench", 0, null, null));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        List<ProcessInfo> all = kernel.list(ProcessQuery.all(processes + 1)).processes().stream()
                .filter(p -> "counter".equals(p.program())).toList();
        long[] steps = new long[all.size()];
        for (int i = 0; i < steps.length; i++) steps[i] = all.get(i).usage().steps();
        Arrays.sort(steps);
        long atMostTwo = Arrays.stream(steps).filter(s -> s <= 2).count();
        System.out.printf(Locale.ROOT, "%nfairness (%d counters, %s, %d s): steps min %d, p1 %d, median %d, max %d;"
                        + " %d made at most 2 steps; min/median %.2f%n",
                steps.length, storage, seconds, steps[0], steps[steps.length / 100], steps[steps.length / 2],
                steps[steps.length - 1], atMostTwo, (double) steps[0] / Math.max(1, steps[steps.length / 2]));
        // Where the slowest ones are, to tell a scheduling problem from a blocked process.
        java.util.Map<String, Integer> slowest = new java.util.TreeMap<>();
        for (ProcessInfo p : all) {
            if (p.usage().steps() <= 2) slowest.merge(p.state() + (p.waitingOn() == null ? "" : " on " + p.waitingOn()), 1, Integer::sum);
        }
        if (!slowest.isEmpty()) System.out.println("at most 2 steps, by state: " + slowest);
        return steps;
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        Bench.stop(kernel);
    }
}
