package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.hal.MemoryStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.resource.MemoryGovernor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The governor is driven with chosen memory figures; the HAL's own poll stays far away. */
class MemoryPressureTest {
    private static final long GIB = 1L << 30;
    private KernelHarness h;
    private Kernel k;
    private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        h = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(1000));
        k = h.kernel;
        // Thresholds far above what the test JVM uses, so only evaluate() below changes the level.
        k.memory.setPolicy(new MemoryGovernor.Policy(60_000, 0.85, 0.95, 0.75, 10, 20));
        k.memory.setEventSink(events::add);
        k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
        // Sleeps 10 ms per step: alive and schedulable, without flooding the in-memory audit ring
        // that the test reads back.
        k.addProgram(TestPrograms.looping("napper", "proc.sleep", Args.of("ms", 10)), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static MemoryStatus heapAt(double fraction) {
        return MemoryStatus.of((long) (fraction * 4 * GIB), 4 * GIB, -1, -1);
    }

    private long spawn(SchedClass c, int nice) throws Exception {
        return spawn("yielder", c, nice);
    }

    private long spawn(String program, SchedClass c, int nice) throws Exception {
        return k.spawn(new SpawnSpec(program, Args.of("limit", 0), "t", nice, null, null, c));
    }

    @Test
    void highPressureThrottlesLowPriorityWorkOnly() throws Exception {
        long idle = spawn(SchedClass.IDLE, 0);
        long nice = spawn(SchedClass.NORMAL, 15);
        long normal = spawn(SchedClass.NORMAL, 0);
        k.memory.evaluate(heapAt(0.90));
        assertEquals(MemoryGovernor.Level.HIGH, k.memory.level());
        for (long pid : new long[] {idle, nice}) {
            await("pid " + pid + " throttled", () -> "throttled: memory pressure".equals(h.info(pid).waitingOn()));
        }
        assertFalse(k.memory.throttles(k.procs.get(normal)), "nice 0 runs on");
        long before = h.info(normal).usage().steps();
        await("the normal process to keep running", () -> h.info(normal).usage().steps() > before + 1000);
        k.memory.evaluate(heapAt(0.5));
        assertEquals(MemoryGovernor.Level.NORMAL, k.memory.level());
        // The idle class runs only when nothing else is runnable.
        k.kill(normal);
        k.kill(nice);
        long idleSteps = h.info(idle).usage().steps();
        await("the idle process to run freely again", () -> h.info(idle).usage().steps() > idleSteps + 1000);
    }

    @Test
    void criticalPressurePausesIdleProcessesAndRecoveryResumesExactlyThose() throws Exception {
        long idle1 = spawn("napper", SchedClass.IDLE, 0);
        long idle2 = spawn("napper", SchedClass.IDLE, 5);
        long pausedByOperator = spawn("napper", SchedClass.IDLE, 0);
        long normal = spawn("napper", SchedClass.NORMAL, 0);
        long realtime = spawn("napper", SchedClass.REALTIME, 19);
        k.pause(pausedByOperator);
        await("the operator's pause", () -> h.state(pausedByOperator) == ProcessState.PAUSED);

        k.memory.evaluate(heapAt(0.97));
        assertEquals(MemoryGovernor.Level.CRITICAL, k.memory.level());
        await("idle processes paused", () -> h.state(idle1) == ProcessState.PAUSED && h.state(idle2) == ProcessState.PAUSED);
        assertNotEquals(ProcessState.PAUSED, h.state(normal));
        assertNotEquals(ProcessState.PAUSED, h.state(realtime));
        assertFalse(k.memory.throttles(k.procs.get(realtime)), "realtime is never throttled");

        k.memory.evaluate(heapAt(0.90)); // below pauseAt, above recoverBelow: back to HIGH
        assertEquals(MemoryGovernor.Level.HIGH, k.memory.level());
        await("idle processes resumed", () -> h.state(idle1) != ProcessState.PAUSED && h.state(idle2) != ProcessState.PAUSED);
        assertEquals(ProcessState.PAUSED, h.state(pausedByOperator), "an operator's pause is not undone");

        k.memory.evaluate(heapAt(0.80)); // between recoverBelow and throttleAt: stays HIGH
        assertEquals(MemoryGovernor.Level.HIGH, k.memory.level());
        k.memory.evaluate(heapAt(0.70));
        assertEquals(MemoryGovernor.Level.NORMAL, k.memory.level());

        assertEquals(List.of("CRITICAL", "HIGH", "NORMAL"),
                events.stream().map(e -> (String) e.get("level")).toList());
        assertEquals(2, events.get(0).get("paused"));
        assertEquals(2, events.get(1).get("resumed"));
        k.sync();
        List<AuditRecord> audited = k.read(new AuditQuery(0, "mem.pressure", null, 10));
        assertEquals(3, audited.size());
        assertTrue(audited.get(0).detail().contains("paused 2 idle processes"), audited.get(0).detail());
    }

    @Test
    void anInconsistentPolicyIsRefusedWithItsReason() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new MemoryGovernor.Policy(500, 0.9, 0.8, 0.7, 10, 100));
        assertTrue(e.getMessage().contains("throttleAt (0.9) <= pauseAt (0.8)"), e.getMessage());
    }
}
