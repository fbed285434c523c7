package org.agentos.scheduler.fair;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.Random;
import org.agentos.kernel.api.sched.SchedClass;
import org.junit.jupiter.api.Test;

/**
 * Equal processes under overload, simulated on a virtual clock (deterministic, no threads): the
 * example counter's cycle, one short step that is queued again at once and one that sleeps 200
 * ms, on 2 CPUs that cannot keep up. Step charges are wall time, so now and then one is
 * stretched (a GC pause, the host's scheduler): every process must still progress at about the
 * rate of the others.
 */
class OverloadFairnessTest {

    record Proc(long pid, int nice, String owner, SchedClass schedClass) implements org.agentos.kernel.api.sched.SchedEntity {}

    /** Steps per process after {@code seconds} of simulated time. */
    static long[] simulate(int processes, double stretchedShare, long stretchNanos, int seconds) {
        FairScheduler s = new FairScheduler();
        Random random = new Random(42);
        Proc[] procs = new Proc[processes];
        long[] steps = new long[processes];
        for (int i = 0; i < processes; i++) {
            procs[i] = new Proc(i, 0, "bench", SchedClass.NORMAL);
            s.enqueue(procs[i]);
        }
        // Sleepers by wake-up time: {wakeNanos, index}.
        PriorityQueue<long[]> sleeping = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        long[] cpuFree = new long[2];
        long end = seconds * 1_000_000_000L;
        while (true) {
            int cpu = cpuFree[0] <= cpuFree[1] ? 0 : 1;
            long now = cpuFree[cpu];
            if (now >= end) break;
            while (!sleeping.isEmpty() && sleeping.peek()[0] <= now) s.enqueue(procs[(int) sleeping.poll()[1]]);
            Proc p = (Proc) s.pickNext();
            if (p == null) {
                cpuFree[cpu] = sleeping.isEmpty() ? end : sleeping.peek()[0];
                continue;
            }
            int i = (int) p.pid();
            long charge = 40_000 + random.nextInt(20_000);
            if (random.nextDouble() < stretchedShare) charge += stretchNanos;
            s.charge(p, charge);
            cpuFree[cpu] = now + charge;
            steps[i]++;
            if (steps[i] % 2 == 1) s.enqueue(p); // clock.now answers at once
            else sleeping.add(new long[] {now + charge + 200_000_000L, i}); // proc.sleep 200 ms
        }
        Arrays.sort(steps);
        return steps;
    }

    @Test
    void equalProcessesProgressAtAboutTheSameRateWhenSomeStepsAreStretched() {
        long[] steps = simulate(20_000, 0.001, 5_000_000, 60);
        long min = steps[0];
        long median = steps[steps.length / 2];
        assertTrue(median > 100, "the simulation is overloaded but runs: median " + median);
        assertTrue(min * 2 >= median, "min " + min + " steps, median " + median + ", max " + steps[steps.length - 1]);
    }
}
