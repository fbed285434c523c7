package org.agentos.scheduler.priority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.SchedulerState;
import org.junit.jupiter.api.Test;

class PrioritySchedulerTest {
    record Proc(long pid, int nice, String owner, SchedClass schedClass) implements SchedEntity {
        Proc(long pid, int nice, String owner) {
            this(pid, nice, owner, SchedClass.NORMAL);
        }
    }

    private static List<Long> drain(PriorityScheduler s) {
        List<Long> order = new ArrayList<>();
        SchedEntity e;
        while ((e = s.pickNext()) != null) order.add(e.pid());
        return order;
    }

    @Test
    void theMostFavouredLevelAlwaysRunsFirst() {
        PriorityScheduler s = new PriorityScheduler();
        s.enqueue(new Proc(1, 10, "t"));
        s.enqueue(new Proc(2, -5, "t"));
        s.enqueue(new Proc(3, 0, "t"));
        s.enqueue(new Proc(4, -20, "t"));
        s.enqueue(new Proc(5, 19, "t"));
        assertEquals(List.of(4L, 2L, 3L, 1L, 5L), drain(s));
    }

    @Test
    void processesOfOneLevelRunInTheOrderTheyBecameRunnable() {
        PriorityScheduler s = new PriorityScheduler();
        for (long pid = 1; pid <= 5; pid++) s.enqueue(new Proc(pid, 0, "t"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), drain(s));
    }

    @Test
    void aLowerLevelWaitsWhileAHigherOneHasWork() {
        PriorityScheduler s = new PriorityScheduler();
        Proc urgent = new Proc(1, -10, "t");
        Proc background = new Proc(2, 5, "t");
        s.enqueue(background);
        s.enqueue(urgent);
        for (int i = 0; i < 100; i++) {
            SchedEntity e = s.pickNext();
            assertEquals(urgent, e);
            s.enqueue(e); // urgent is runnable again after each step
        }
        s.remove(urgent);
        assertEquals(background, s.pickNext());
        assertNull(s.pickNext());
        assertEquals(0, s.runnable());
    }

    @Test
    void classesComeBeforeNiceLevels() {
        PriorityScheduler s = new PriorityScheduler();
        s.enqueue(new Proc(1, -20, "t", SchedClass.IDLE));
        s.enqueue(new Proc(2, -20, "t"));
        s.enqueue(new Proc(3, 19, "t", SchedClass.REALTIME));
        s.enqueue(new Proc(4, 0, "t", SchedClass.REALTIME));
        s.enqueue(new Proc(5, 19, "t"));
        assertEquals(List.of(4L, 3L, 2L, 5L, 1L), drain(s));
    }

    @Test
    void theExportIsThePickOrderAndAnImportReplacesStaleEntries() {
        PriorityScheduler s = new PriorityScheduler();
        s.enqueue(new Proc(1, 5, "t"));
        s.enqueue(new Proc(2, -5, "t"));
        s.enqueue(new Proc(3, 0, "t", SchedClass.REALTIME));
        SchedulerState state = s.exportState();
        assertEquals(List.of(3L, 2L, 1L), java.util.Arrays.stream(state.pids, 0, state.count).boxed().toList());
        PriorityScheduler t = new PriorityScheduler();
        t.enqueue(new Proc(7, -20, "stale"));
        java.util.Map<Long, Proc> byPid = java.util.Map.of(1L, new Proc(1, 5, "t"), 2L, new Proc(2, -5, "t"),
                3L, new Proc(3, 0, "t", SchedClass.REALTIME));
        t.importState(state, byPid::get);
        assertEquals(List.of(3L, 2L, 1L), drain(t));
    }
}
