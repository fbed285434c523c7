package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.kernel.impl.cpu.SwapReport;
import org.agentos.kernel.impl.proc.PidAllocator;
import org.agentos.kernel.impl.proc.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistenceTest {
    @TempDir
    Path dir;

    /** Counts to its limit, sleeping 20 ms per count, and exits with the count as its code. */
    private static void install(Kernel k) {
        k.addProgram(TestPrograms.program("slowcount", TestPrograms.Count.class,
                a -> new TestPrograms.Count(0, a.path("limit").asLong()),
                (s, last) -> s.n() >= s.limit() ? Step.exit(s, (int) s.n(), "counted")
                        : Step.call(new TestPrograms.Count(s.n() + 1, s.limit()), "proc.sleep", Args.of("ms", 20))), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
    }

    @Test
    void processesContinueFromTheirLastStepAfterARestart() throws Exception {
        long counter;
        long paused;
        long stepsBefore;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            counter = h.kernel.spawn(new SpawnSpec("slowcount", Args.of("limit", 60), "alice", 3, List.of("x:y"), null));
            paused = h.kernel.spawn(SpawnSpec.of("sleeper", null));
            KernelHarness.await("some progress", () -> h.info(counter).usage().steps() >= 10);
            h.awaitState(paused, ProcessState.BLOCKED);
            h.kernel.pause(paused);
            stepsBefore = h.info(counter).usage().steps();
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            ProcessInfo c = h.info(counter);
            assertEquals("alice", c.owner());
            assertEquals(3, c.nice());
            assertEquals(List.of("x:y"), c.capabilities());
            assertTrue(c.usage().steps() >= stepsBefore, "usage survives the restart");
            assertEquals(ProcessState.PAUSED, h.state(paused));
            ExitStatus s = h.kernel.awaitExit(counter).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(60, s.code(), "the counter went on from where it was, to its limit");
            assertTrue(h.info(counter).usage().steps() == 61, "no step was run twice or skipped: " + h.info(counter).usage().steps());
            h.kernel.resume(paused);
            h.awaitState(paused, ProcessState.BLOCKED); // back in its sleep, which the restart interrupted
            assertEquals("proc.sleep", h.info(paused).waitingOn());
            long fresh = h.kernel.spawn(SpawnSpec.of("sleeper", null));
            assertTrue(fresh > paused, "pids are not reused after a restart");
        }
    }

    @Test
    void aClusterNodesProcessesAreHeldAtRestartUntilResumed() throws Exception {
        long counter;
        long paused;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            counter = h.kernel.spawn(SpawnSpec.of("slowcount", Args.of("limit", 1000)));
            paused = h.kernel.spawn(SpawnSpec.of("sleeper", null));
            KernelHarness.await("some progress", () -> h.info(counter).usage().steps() >= 5);
            h.awaitState(paused, ProcessState.BLOCKED);
            h.kernel.pause(paused);
        }
        try (KernelHarness h = KernelHarness.persistentHeld(dir)) {
            install(h.kernel);
            ProcessInfo held = h.info(counter);
            assertEquals(ProcessState.PAUSED, held.state(), "another node may have taken it over meanwhile");
            assertEquals(org.agentos.kernel.api.cluster.Cluster.HELD_AT_RESTART, held.waitingOn());
            assertEquals(ProcessState.PAUSED, h.state(paused));
            assertTrue(h.info(paused).waitingOn() == null || !h.info(paused).waitingOn().equals(held.waitingOn()),
                    "paused by its operator is not held by the restart");
            long steps = held.usage().steps();
            Thread.sleep(100);
            assertEquals(steps, h.info(counter).usage().steps(), "held: no step runs");
            h.kernel.resume(counter);
            KernelHarness.await("it goes on once resumed", () -> h.info(counter).usage().steps() > steps);
        }
    }

    @Test
    void aCheckpointEndsWhileBusyProcessesKeepChanging() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            h.kernel.setMaxProcessesPerOwner(0); // 20 000 of one owner: the default limit's size
            for (int i = 0; i < 20_000; i++) h.kernel.spawn(SpawnSpec.of("sleeper", null));
            // As busy processes do under load: each one is marked changed again as soon as the
            // checkpoint has taken it. A checkpoint that drained until nothing was left would
            // never end, and the kernel could not stop.
            java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread changer = new Thread(() -> {
                while (busy.get()) {
                    for (Proc p : h.kernel.procs.all()) {
                        synchronized (p) {
                            h.kernel.checkpoints.markDirtyLocked(p);
                        }
                    }
                }
            });
            changer.start();
            try {
                java.util.concurrent.CompletableFuture.runAsync(h.kernel.checkpoints::checkpoint).get(60, TimeUnit.SECONDS);
            } finally {
                busy.set(false);
                changer.join();
            }
        }
    }

    @Test
    void aHalSwapReportsItsPauseAndTheSchedulersLastSwapSurvivesIt() throws Exception {
        SwapReport swap;
        long pid;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            pid = h.kernel.spawn(SpawnSpec.of("sleeper", null));
            swap = h.kernel.setScheduler(new RoundRobinScheduler(), "test");
            assertEquals(swap, h.kernel.lastSwap());
            assertEquals(null, h.kernel.lastHalSwap(), "no HAL swap yet");
        }
        // The next kernel on the same data runs on another HAL, as after kernel:swap hal.
        org.agentos.kernel.api.hal.Hal other = new org.agentos.hal.linux.LinuxHal() {
            @Override
            public String name() {
                return "other";
            }
        };
        Kernel k = new Kernel(other, KernelSettings.defaults(dir).withWorkers(2));
        k.setScheduler(new RoundRobinScheduler(), "test"); // bound before it starts, as the component does
        install(k);
        k.start();
        String halSwap;
        try {
            assertEquals(swap, k.lastSwap(), "the scheduler's last swap is kept across the restart");
            halSwap = k.lastHalSwap();
            assertTrue(halSwap != null && halSwap.startsWith("linux -> other: the kernel restarted on it, 1 processes restored, paused "),
                    String.valueOf(halSwap));
            assertTrue(k.read(new AuditQuery(0, "hal.swap", null, 5)).stream().anyMatch(r -> r.detail().equals(halSwap)),
                    "the HAL swap is audited");
            assertTrue(k.info(pid).isPresent());
        } finally {
            k.stop();
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            assertEquals(swap, h.kernel.lastSwap());
            assertTrue(h.kernel.lastHalSwap().startsWith("other -> linux"), h.kernel.lastHalSwap());
        }
    }

    @Test
    void theAuditLogSurvivesARestartAndATornLastRecord() throws Exception {
        long pid;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            pid = h.kernel.spawn(SpawnSpec.of("slowcount", Args.of("limit", 2)));
            h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Path segment = Files.list(dir.resolve("audit")).sorted().reduce((a, b) -> b).orElseThrow();
        Files.writeString(segment, "{\"seq\":99999,\"time\":1,\"ki", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            List<AuditRecord> records = h.kernel.read(new AuditQuery(pid, null, null, 100));
            assertEquals(List.of("spawn", "proc.sleep", "proc.sleep", "exit"), records.stream().map(AuditRecord::name).toList());
            List<AuditRecord> all = h.kernel.read(AuditQuery.tail(1000));
            for (int i = 1; i < all.size(); i++) {
                assertTrue(all.get(i).seq() > all.get(i - 1).seq(), "sequence numbers increase across restarts");
            }
        }
    }

    @Test
    void pidsOfReapedProcessesAreNotGivenAgainAfterARestart() throws Exception {
        long last = 0;
        // no zombies kept: exited processes are reaped at once and leave the checkpoint
        KernelSettings reaping = KernelSettings.defaults(dir).withWorkers(2).withZombieRetention(0);
        try (KernelHarness h = new KernelHarness(reaping)) {
            install(h.kernel);
            for (int i = 0; i < 5; i++) {
                long pid = h.kernel.spawn(SpawnSpec.of("slowcount", Args.of("limit", 0)));
                KernelHarness.await("pid " + pid + " to exit and be reaped", () -> h.kernel.info(pid).isEmpty());
                last = pid;
            }
        }
        try (KernelHarness h = new KernelHarness(reaping)) {
            install(h.kernel);
            long fresh = h.kernel.spawn(SpawnSpec.of("slowcount", Args.of("limit", 0)));
            assertTrue(fresh > last, "pid " + fresh + " after a restart repeats one already given (up to " + last + ")");
        }
    }

    @Test
    void aCrashInTheMiddleOfAPidBlockNeverRepeatsAPidGivenBeforeIt() throws Exception {
        long given = 0;
        PidAllocator before = new PidAllocator(dir, 2);
        for (int i = 0; i < 10; i++) given = before.next();
        // no close, no checkpoint: as after kill -9
        PidAllocator after = new PidAllocator(dir, 2);
        assertTrue(after.next() > given, "numbering goes on past the reserved block");
    }
}
