package org.agentos.scheduler.fair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.SchedulerState;
import org.junit.jupiter.api.Test;

/** Fairness over simulated time: every pick runs for one 1 ms slice, then the process is runnable again. */
class FairSchedulerTest {

    record Proc(long pid, int nice, String owner, SchedClass schedClass) implements SchedEntity {
        Proc(long pid, int nice, String owner) {
            this(pid, nice, owner, SchedClass.NORMAL);
        }
    }

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

    @Test
    void aRealtimeProcessRunsAtTheNextDecisionEveryTimeItIsRunnable() {
        FairScheduler s = new FairScheduler();
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) procs.add(new Proc(i, -20, "busy"));
        procs.forEach(s::enqueue);
        Proc rt = new Proc(5000, 19, "other", SchedClass.REALTIME);
        for (int round = 0; round < 500; round++) {
            // A few normal decisions, then rt wakes up: the very next pick must be rt.
            for (int i = 0; i < 3; i++) {
                SchedEntity e = s.pickNext();
                s.charge(e, SLICE);
                s.enqueue(e);
            }
            s.enqueue(rt);
            assertEquals(rt, s.pickNext(), "round " + round);
            s.charge(rt, 50 * SLICE); // however much it ran, it is not held back next time
        }
    }

    @Test
    void idleProcessesRunOnlyWhenNothingElseIsRunnable() {
        FairScheduler s = new FairScheduler();
        Proc idle = new Proc(1, -20, "t", SchedClass.IDLE);
        Proc normal = new Proc(2, 19, "u");
        s.enqueue(idle);
        s.enqueue(normal);
        for (int i = 0; i < 100; i++) {
            SchedEntity e = s.pickNext();
            assertEquals(normal, e);
            s.charge(e, SLICE);
            s.enqueue(e);
        }
        s.remove(normal);
        assertEquals(idle, s.pickNext());
        assertNull(s.pickNext());
    }

    @Test
    void tenantWeightsFromConfigurationSetTheTenantShares() {
        FairScheduler s = new FairScheduler();
        s.setOwnerWeights(FairScheduler.parseWeights(new String[] {"interactive=3", "batch=1"}));
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 50; i++) procs.add(new Proc(i, 0, "batch"));
        procs.add(new Proc(100, 0, "interactive"));
        Map<SchedEntity, Long> cpu = run(s, procs, 40_000);
        double total = cpu.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(0.75, cpu.get(procs.get(50)) / total, 0.75 * 0.03, "interactive gets 3 of 4 parts");
    }

    @Test
    void badTenantWeightsAreRejectedWithAClearMessage() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FairScheduler.parseWeights(new String[] {"alice=0"}));
        assertTrue(e.getMessage().contains("alice=0"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FairScheduler.parseWeights(new String[] {"noweight"}));
        assertEquals(Map.of("a", 512, "b", 2048), FairScheduler.parseWeights(new String[] {"a=0.5, b=2"}));
    }

    @Test
    void anExportedStateContinuesInAnotherFairSchedulerExactly() {
        FairScheduler a = new FairScheduler();
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 30; i++) procs.add(new Proc(i, i % 5, i % 3 == 0 ? "x" : "y"));
        procs.add(new Proc(99, 0, "z", SchedClass.REALTIME));
        run(a, procs.subList(0, 30), 5_000);
        a.enqueue(procs.get(30));
        SchedulerState state = a.exportState();
        assertEquals(31, state.count);
        assertEquals(99, state.pids[0], "realtime first");
        Map<Long, Proc> byPid = new HashMap<>();
        procs.forEach(p -> byPid.put(p.pid(), p));
        FairScheduler b = new FairScheduler();
        b.importState(state, byPid::get);
        assertEquals(31, b.runnable());
        // Both continue with the same decisions.
        for (int i = 0; i < 2_000; i++) {
            SchedEntity x = a.pickNext();
            SchedEntity y = b.pickNext();
            assertEquals(x, y, "decision " + i);
            a.charge(x, SLICE);
            b.charge(y, SLICE);
            if (x.schedClass() != SchedClass.REALTIME) {
                a.enqueue(x);
                b.enqueue(y);
            }
        }
    }

    @Test
    void aStateFromAnotherSchedulerKeepsItsOrderAndUnknownVersionsAreRefused() {
        SchedulerState state = new SchedulerState();
        state.exportedBy = "priority";
        for (long pid = 1; pid <= 5; pid++) state.add(pid, 0);
        FairScheduler s = new FairScheduler();
        s.importState(state, pid -> pid == 3 ? null : new Proc(pid, 0, "t"));
        List<Long> order = new ArrayList<>();
        SchedEntity e;
        while ((e = s.pickNext()) != null) order.add(e.pid());
        assertEquals(List.of(1L, 2L, 4L, 5L), order);
        state.version = 99;
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FairScheduler().importState(state, pid -> null));
    }

    @Test
    void aWaitingLlmCallOfAQuietTenantIsServedWithinTwoSlotsWhileABusyTenantQueuesSixty() {
        // forResource: the queue of callers waiting for a provider slot; each pick is a slot freed.
        org.agentos.kernel.api.sched.Scheduler llm = new FairScheduler().forResource("llm.sim");
        for (int i = 0; i < 60; i++) llm.enqueue(new Proc(i, 0, "batch"));
        for (int i = 0; i < 500; i++) {
            SchedEntity e = llm.pickNext();
            llm.charge(e, 5 * SLICE);
            llm.enqueue(e);
        }
        Proc quiet = new Proc(1000, 0, "interactive");
        for (int call = 0; call < 3; call++) {
            llm.enqueue(quiet);
            int picks = 0;
            SchedEntity e;
            do {
                e = llm.pickNext();
                picks++;
                llm.charge(e, 5 * SLICE);
                if (e != quiet) llm.enqueue(e);
            } while (e != quiet);
            assertTrue(picks <= 2, "call " + call + " waited for " + picks + " slots");
        }
    }
}
