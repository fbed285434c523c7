package org.agentos.bench;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.scheduler.fair.FairScheduler;
import org.agentos.scheduler.priority.PriorityScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one scheduling decision with {@code runnable} processes queued: pick the next
 * process, charge it a 1 ms slice, make it runnable again, as a CPU worker does around every
 * step. The processes belong to 100 tenants with nice values spread over -5..5. Baseline in the
 * same run: {@code fifo}, a plain ArrayDeque poll + add, the least any run queue can cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@State(Scope.Thread)
public class SchedulerDecisionBenchmark {

    /** What the schedulers see of a process. */
    record Entity(long pid, int nice, String owner) implements SchedEntity {
        @Override
        public SchedClass schedClass() {
            return SchedClass.NORMAL;
        }
    }

    @Param({"fair", "priority", "round-robin", "fifo"})
    String scheduler;

    @Param({"100", "10000", "1000000"})
    int runnable;

    Scheduler s;
    ArrayDeque<SchedEntity> fifo;

    @Setup
    public void setUp() {
        String[] owners = new String[100];
        for (int i = 0; i < owners.length; i++) owners[i] = ("tenant-" + i).intern();
        s = switch (scheduler) {
            case "fair" -> new FairScheduler();
            case "priority" -> new PriorityScheduler();
            case "round-robin" -> new RoundRobinScheduler();
            case "fifo" -> null;
            default -> throw new IllegalArgumentException("scheduler: fair, priority, round-robin or fifo");
        };
        fifo = new ArrayDeque<>(runnable);
        for (int i = 0; i < runnable; i++) {
            Entity e = new Entity(i + 2, (i % 11) - 5, owners[i % owners.length]);
            if (s != null) s.enqueue(e);
            else fifo.add(e);
        }
    }

    @Benchmark
    public SchedEntity decision() {
        if (s == null) {
            SchedEntity e = fifo.poll();
            fifo.add(e);
            return e;
        }
        SchedEntity e = s.pickNext();
        s.charge(e, 1_000_000);
        s.enqueue(e);
        return e;
    }
}
