package org.agentos.apps.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.Test;

/**
 * The simulated provider ({@code llm.sim}) and the {@code asker} under the kernel's LLM gates:
 * callers beyond the provider's concurrency wait for a slot instead of being refused.
 */
class SimulatedLlmArbitrationTest {

    /** A started kernel (round robin, 2 workers) with the asker. */
    private static final class Harness implements AutoCloseable {
        final Kernel kernel;

        Harness(int llmConcurrency) {
            kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2).withZombieRetention(10_000)
                    .withLlmConcurrency(llmConcurrency));
            kernel.setScheduler(new RoundRobinScheduler(), "test");
            kernel.start();
            kernel.addProgram(new LlmAsker(), "test");
        }

        @Override
        public void close() {
            kernel.stop();
        }
    }

    private static ProcessInfo info(Harness h, long pid) {
        return h.kernel.info(pid).orElseThrow(() -> new AssertionError("no process " + pid));
    }

    /** The one gate's summary, or "" before the first call created it. */
    private static String gate(Harness h) {
        List<String> gates = h.kernel.resourceSummary();
        return gates.isEmpty() ? "" : gates.get(0);
    }

    private static ExitStatus exit(Kernel k, long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void callsBeyondTheProviderLimitWaitForASlotAndAllSucceed() throws Exception {
        try (Harness h = new Harness(2)) {
            SimulatedLlm llm = new SimulatedLlm(20, 2);
            h.kernel.addTool(llm, "test");
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 12; i++) pids.add(h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 3))));
            await("a caller waiting for a slot", () -> pids.stream().anyMatch(pid ->
                    String.valueOf(h.kernel.info(pid).map(i -> i.waitingOn()).orElse("")).contains("waiting for a slot")));
            for (long pid : pids) assertEquals(0, exit(h.kernel, pid).code(), "no call was refused by the provider");
            assertEquals(2, llm.peakConcurrency());
            for (long pid : pids) assertEquals(3, info(h, pid).usage().syscallsByName().get("llm.sim"));
            String gate = h.kernel.resourceSummary().get(0);
            assertTrue(gate.startsWith("llm.sim: 0/2 in flight, 0 waiting"), gate);
        }
    }

    @Test
    void aCallerKilledWhileWaitingGivesUpItsPlaceAndNoSlotLeaks() throws Exception {
        try (Harness h = new Harness(1)) {
            h.kernel.addTool(new SimulatedLlm(300, 1), "test");
            long first = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            await("the first call in flight", () -> "llm.sim".equals(info(h, first).waitingOn()));
            long victim = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            long last = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            await("both queued", () -> String.valueOf(info(h, last).waitingOn()).contains("waiting for a slot")
                    && String.valueOf(info(h, victim).waitingOn()).contains("waiting for a slot"));
            h.kernel.kill(victim);
            assertEquals(0, exit(h.kernel, first).code());
            assertEquals(0, exit(h.kernel, last).code());
            await("the slot to be free", () -> gate(h).startsWith("llm.sim: 0/1 in flight, 0 waiting"));
        }
    }

    @Test
    void raisingTheLimitStartsWaitingCallersAtOnce() throws Exception {
        try (Harness h = new Harness(1)) {
            SimulatedLlm llm = new SimulatedLlm(2_000, 3);
            h.kernel.addTool(llm, "test");
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 3; i++) pids.add(h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1))));
            await("two callers waiting", () -> gate(h).contains("1/1 in flight, 2 waiting"));
            h.kernel.setResourceLimits(3, 0, 0);
            await("all three in flight", () -> gate(h).contains("3/3 in flight, 0 waiting"));
            for (long pid : pids) assertEquals(0, exit(h.kernel, pid).code());
            assertEquals(3, llm.peakConcurrency());
        }
    }
}
