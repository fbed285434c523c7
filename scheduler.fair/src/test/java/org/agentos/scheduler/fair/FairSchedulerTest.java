package org.agentos.scheduler.fair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.sched.SchedEntity;
import org.junit.jupiter.api.Test;

/** Fairness over simulated time: every pick runs for one 1 ms slice, then the process is runnable again. */
class FairSchedulerTest {

    record Proc(long pid, int nice, String owner) implements SchedEntity {}

    private static final long SLICE = 1_000_000;

    /** Runs {@code slices} decisions and returns the CPU time each process received. */
    private static Map<SchedEntity, Long> run(FairScheduler s, List<? extends SchedEntity> procs, int slices) {
        Map<SchedEntity, Long> cpu = new HashMap<>();
        for (SchedEntity p : procs) {
            s.enqueue(p);
            cpu.put(p, 0L);
        }
        for (int i = 0; i < slices; i++) {
            SchedEntity e = s.pickNext();
            s.charge(e, SLICE);
            cpu.merge(e, SLICE, Long::sum);
            s.enqueue(e);
        }
        return cpu;
    }

    private static double jain(Iterable<Long> xs) {
        double sum = 0, sumSq = 0;
        int n = 0;
        for (long x : xs) {
            sum += x;
            sumSq += (double) x * x;
            n++;
        }
        return sum * sum / (n * sumSq);
    }

    @Test
    void equalWeightsShareTheCpuEqually() {
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 100; i++) procs.add(new Proc(i, 0, "t"));
        Map<SchedEntity, Long> cpu = run(new FairScheduler(), procs, 100_000);
        assertTrue(jain(cpu.values()) >= 0.99, "Jain's index " + jain(cpu.values()));
    }

    @Test
    void sharesFollowNiceWeights() {
        // nice 0, -3, -6: weights 1024, 1991, 3906, close to 1:2:4.
        List<Proc> procs = List.of(new Proc(1, 0, "t"), new Proc(2, -3, "t"), new Proc(3, -6, "t"));
        Map<SchedEntity, Long> cpu = run(new FairScheduler(), procs, 70_000);
        double total = cpu.values().stream().mapToLong(Long::longValue).sum();
        double weights = 1024 + 1991 + 3906;
        for (Proc p : procs) {
            double expected = NiceWeights.of(p.nice()) / weights;
            double share = cpu.get(p) / total;
            assertEquals(expected, share, expected * 0.03, "share of nice " + p.nice());
        }
    }

    @Test
    void aTenantWithManyProcessesCannotStarveATenantWithFew() {
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) procs.add(new Proc(i, 0, "big"));
        for (int i = 0; i < 10; i++) procs.add(new Proc(100_000 + i, 0, "small"));
        Map<SchedEntity, Long> cpu = run(new FairScheduler(), procs, 200_000);
        long big = 0, small = 0;
        for (Proc p : procs) {
            if (p.owner().equals("big")) big += cpu.get(p);
            else small += cpu.get(p);
        }
        double smallShare = (double) small / (big + small);
        assertEquals(0.5, smallShare, 0.01, "tenants share equally");
    }

    @Test
    void aProcessThatSleptGetsNoBurstOfCredit() {
        FairScheduler s = new FairScheduler();
        Proc a = new Proc(1, 0, "t");
        Proc b = new Proc(2, 0, "t");
        s.enqueue(a);
        // a runs alone for a long time while b is not runnable
        for (int i = 0; i < 1000; i++) {
            SchedEntity e = s.pickNext();
            s.charge(e, SLICE);
            s.enqueue(e);
        }
        s.enqueue(b);
        Map<SchedEntity, Integer> picks = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            SchedEntity e = s.pickNext();
            picks.merge(e, 1, Integer::sum);
            s.charge(e, SLICE);
            s.enqueue(e);
        }
        assertTrue(picks.getOrDefault(a, 0) >= 45, "a keeps about half: " + picks);
    }

    @Test
    void removedProcessesAreNotPickedAndTheQueueEmpties() {
        FairScheduler s = new FairScheduler();
        Proc a = new Proc(1, 0, "t");
        Proc b = new Proc(2, 5, "u");
        s.enqueue(a);
        s.enqueue(b);
        s.enqueue(a); // a second enqueue of a queued process changes nothing
        assertEquals(2, s.runnable());
        s.remove(a);
        assertEquals(b, s.pickNext());
        assertNull(s.pickNext());
        assertEquals(0, s.runnable());
    }
}
