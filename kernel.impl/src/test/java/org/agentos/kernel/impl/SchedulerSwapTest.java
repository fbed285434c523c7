package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.kernel.impl.cpu.SwapReport;
import org.junit.jupiter.api.Test;

/** The swap protocol: export, import, fallback rebuild; nothing lost either way. */
class SchedulerSwapTest {

    /** Round robin that cannot take over state, so the kernel must rebuild its queue. */
    static final class RefusingScheduler extends RoundRobinScheduler {
        @Override
        public String name() {
            return "refusing";
        }

        @Override
        public void importState(SchedulerState state, LongFunction<SchedEntity> entities) {
            throw new IllegalArgumentException("cannot read " + state.exportedBy);
        }
    }

    /** Round robin that has no state to give. */
    static final class MuteScheduler extends RoundRobinScheduler {
        @Override
        public String name() {
            return "mute";
        }

        @Override
        public SchedulerState exportState() {
            return null;
        }
    }

    /**
     * Round robin whose export first waits until a worker picked from it while it exports (the
     * old scheduler keeps serving), then holds its picks back for {@code holdMillis} once a
     * worker waits on it, as a scheduler copying its queues under its lock does.
     */
    static final class SlowExporter extends RoundRobinScheduler {
        final java.util.concurrent.locks.ReentrantLock gate = new java.util.concurrent.locks.ReentrantLock();
        final java.util.concurrent.atomic.AtomicLong picks = new java.util.concurrent.atomic.AtomicLong();
        final long holdMillis;
        volatile boolean servedDuringExport;

        SlowExporter(long holdMillis) {
            this.holdMillis = holdMillis;
        }

        @Override
        public SchedEntity pickNext() {
            gate.lock();
            try {
                picks.incrementAndGet();
                return super.pickNext();
            } finally {
                gate.unlock();
            }
        }

        @Override
        public SchedulerState exportState() {
            long before = picks.get();
            KernelHarness.await("a pick while the export runs", () -> picks.get() > before + 10);
            servedDuringExport = true;
            gate.lock();
            try {
                KernelHarness.await("a worker waiting for a pick", gate::hasQueuedThreads);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(holdMillis);
                while (System.nanoTime() < until) java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                return super.exportState();
            } finally {
                gate.unlock();
            }
        }
    }

    @Test
    void processesKeepRunningWhileTheOldSchedulerExportsAndThePauseIsTheLongestWaitForAPick() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
            SlowExporter slow = new SlowExporter(200);
            k.setScheduler(slow, "test");
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 100; i++) pids.add(k.spawn(SpawnSpec.of("yielder", null)));
            await("the yielders running", () -> slow.picks.get() > 1000);

            SwapReport r = k.setScheduler(new RoundRobinScheduler(), "test");
            assertTrue(slow.servedDuringExport, "workers picked from the old scheduler while it exported");
            // All but those the 2 workers were running at that moment.
            assertTrue(r.imported() + r.enqueued() >= 98, r.toString());
            assertTrue(r.pauseNanos() >= TimeUnit.MILLISECONDS.toNanos(200),
                    "a worker waited the 200 ms the export held its picks back: " + r);
            assertTrue(r.pauseNanos() <= r.totalNanos(), r.toString());
            for (long pid : pids) {
                long steps = h.info(pid).usage().steps();
                await("pid " + pid + " going on under the new scheduler", () -> h.info(pid).usage().steps() > steps + 2);
            }
        }
    }

    @Test
    void theRunQueueIsCarriedOverOrRebuiltAndEveryProcessStillRuns() throws Exception {
        Kernel k = new Kernel(KernelHarness.HAL, KernelSettings.defaults(null).withWorkers(2).withZombieRetention(10_000));
        k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
        try {
            k.setScheduler(new RoundRobinScheduler(), "test");
            List<Long> pids = new ArrayList<>();
            // Not started: nothing is picked, so the whole table is queued in the scheduler.
            for (int i = 0; i < 1000; i++) pids.add(k.spawn(SpawnSpec.of("yielder", Args.of("limit", 5))));

            SwapReport carried = k.setScheduler(new RoundRobinScheduler(), "test");
            assertEquals(1000, carried.imported());
            assertEquals(0, carried.enqueued());
            assertNull(carried.fallback());
            assertEquals(1000, k.scheduler().runnable());

            SwapReport refused = k.setScheduler(new RefusingScheduler(), "test");
            assertEquals(0, refused.imported());
            assertEquals(1000, refused.enqueued());
            assertTrue(refused.fallback().contains("import failed"), refused.fallback());

            SwapReport rebuilt = k.setScheduler(new MuteScheduler(), "test");
            assertEquals(1000, rebuilt.imported(), "refusing still exports");
            SwapReport fromMute = k.setScheduler(new RoundRobinScheduler(), "test");
            assertEquals(0, fromMute.imported());
            assertEquals(1000, fromMute.enqueued());
            assertTrue(fromMute.fallback().contains("exports no state"), fromMute.fallback());
            assertEquals(1000, k.scheduler().runnable(), "each process is queued once");

            k.start();
            for (long pid : pids) {
                assertEquals(0, k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
                assertEquals(6, k.info(pid).orElseThrow().usage().steps());
            }
        } finally {
            k.stop();
        }
    }

    @Test
    void swappingRepeatedlyUnderLoadLosesNoProcessAndNoAccounting() throws Exception {
        // Zombies kept, so that every process's accounting can be read at the end.
        try (KernelHarness h = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(10_000))) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
            int n = 2000;
            int limit = 200;
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < n; i++) pids.add(k.spawn(SpawnSpec.of("yielder", Args.of("limit", limit))));
            Scheduler[] rotation = {new RefusingScheduler(), new MuteScheduler(), new RoundRobinScheduler()};
            long total = (long) n * (limit + 1);
            for (int swap = 0; swap < 30; swap++) {
                long before = totalSteps(k, pids);
                if (before >= total) break;
                k.setScheduler(rotation[swap % rotation.length], "test");
                // Let the workload make progress on the new scheduler before the next swap.
                await("progress after swap " + swap, () -> totalSteps(k, pids) > before || totalSteps(k, pids) >= total);
            }
            for (long pid : pids) {
                assertEquals(0, k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS).code());
                ProcessInfo info = h.info(pid);
                assertEquals(limit + 1, info.usage().steps(), "steps of " + pid);
                assertEquals(limit, info.usage().syscallsByName().get("proc.yield"), "yields of " + pid);
            }
        }
    }

    private static long totalSteps(Kernel k, List<Long> pids) {
        long s = 0;
        for (long pid : pids) s += k.info(pid).map(i -> i.usage().steps()).orElse(0L);
        return s;
    }

    @Test
    void aHundredThousandRunnableProcessesSurviveSwapsWithTheirAccounting() throws Exception {
        try (KernelHarness h = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(200_000))) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
            k.setMaxProcessesPerOwner(0); // 100 000 of one owner
            int n = 100_000;
            int limit = 20;
            long first = -1;
            for (int i = 0; i < n; i++) {
                long pid = k.spawn(SpawnSpec.of("yielder", Args.of("limit", limit)));
                if (first < 0) first = pid;
            }
            Scheduler[] rotation = {new RoundRobinScheduler(), new RefusingScheduler(), new RoundRobinScheduler(),
                    new MuteScheduler(), new RoundRobinScheduler()};
            int carried = 0;
            for (Scheduler s : rotation) carried += k.setScheduler(s, "test").imported();
            assertTrue(carried > 0, "some swaps carried the queue over");
            for (long pid = first; pid < first + n; pid++) {
                assertEquals(0, k.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS).code());
            }
            for (long pid = first; pid < first + n; pid++) {
                assertEquals(limit + 1, k.info(pid).orElseThrow().usage().steps(), "steps of " + pid);
            }
        }
    }
}
