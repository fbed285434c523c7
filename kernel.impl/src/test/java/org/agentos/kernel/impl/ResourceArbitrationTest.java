package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agentos.apps.examples.LlmAsker;
import org.agentos.apps.examples.SimulatedLlm;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

/** LLM calls within the provider's concurrency, waiting callers, and per-process byte rates. */
class ResourceArbitrationTest {

    private static KernelHarness kernel(int llmConcurrency, long ioRate) {
        KernelHarness h = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(10_000)
                .withLlmConcurrency(llmConcurrency).withByteRates(ioRate, 0));
        h.kernel.addProgram(new LlmAsker(), "test");
        return h;
    }

    /** The one gate's summary, or "" before the first call created it. */
    private static String gate(KernelHarness h) {
        List<String> gates = h.kernel.resourceSummary();
        return gates.isEmpty() ? "" : gates.get(0);
    }

    private static ExitStatus exit(Kernel k, long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void callsBeyondTheProviderLimitWaitForASlotAndAllSucceed() throws Exception {
        try (KernelHarness h = kernel(2, 0)) {
            SimulatedLlm llm = new SimulatedLlm(20, 2);
            h.kernel.addTool(llm, "test");
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 12; i++) pids.add(h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 3))));
            await("a caller waiting for a slot", () -> pids.stream().anyMatch(pid ->
                    String.valueOf(h.kernel.info(pid).map(i -> i.waitingOn()).orElse("")).contains("waiting for a slot")));
            for (long pid : pids) assertEquals(0, exit(h.kernel, pid).code(), "no call was refused by the provider");
            assertEquals(2, llm.peakConcurrency());
            for (long pid : pids) assertEquals(3, h.info(pid).usage().syscallsByName().get("llm.sim"));
            String gate = h.kernel.resourceSummary().get(0);
            assertTrue(gate.startsWith("llm.sim: 0/2 in flight, 0 waiting"), gate);
        }
    }

    @Test
    void aCallerKilledWhileWaitingGivesUpItsPlaceAndNoSlotLeaks() throws Exception {
        try (KernelHarness h = kernel(1, 0)) {
            h.kernel.addTool(new SimulatedLlm(300, 1), "test");
            long first = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            await("the first call in flight", () -> "llm.sim".equals(h.info(first).waitingOn()));
            long victim = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            long last = h.kernel.spawn(SpawnSpec.of("asker", Args.of("calls", 1)));
            await("both queued", () -> String.valueOf(h.info(last).waitingOn()).contains("waiting for a slot")
                    && String.valueOf(h.info(victim).waitingOn()).contains("waiting for a slot"));
            h.kernel.kill(victim);
            assertEquals(0, exit(h.kernel, first).code());
            assertEquals(0, exit(h.kernel, last).code());
            await("the slot to be free", () -> gate(h).startsWith("llm.sim: 0/1 in flight, 0 waiting"));
        }
    }

    @Test
    void raisingTheLimitStartsWaitingCallersAtOnce() throws Exception {
        try (KernelHarness h = kernel(1, 0)) {
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

    @Test
    void aProcessOverItsIoRateWaitsBeforeItsNextStepAndKeepsItsAccounting() throws Exception {
        try (KernelHarness h = kernel(4, 200_000)) {
            Tool write = new Tool() {
                final ToolDescriptor d = ToolDescriptor.builder("test.write").resourceClass(ResourceClass.IO).build();

                @Override
                public ToolDescriptor descriptor() {
                    return d;
                }

                @Override
                public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
                    ctx.chargeBytes(100_000);
                    return Args.none();
                }
            };
            h.kernel.addTool(write, "test");
            h.kernel.addProgram(TestPrograms.looping("writer", "test.write", null), "test");
            long pid = h.kernel.spawn(SpawnSpec.of("writer", Args.of("limit", 6)));
            AtomicBoolean throttled = new AtomicBoolean();
            await("the writer to be throttled", () -> {
                String w = h.kernel.info(pid).map(i -> i.waitingOn()).orElse(null);
                if (w != null && w.startsWith("throttled: I/O")) throttled.set(true);
                return throttled.get() || h.kernel.info(pid).map(i -> i.state().isTerminal()).orElse(true);
            });
            assertTrue(throttled.get(), "600 kB at 200 kB/s with a 200 kB burst must wait");
            assertEquals(0, exit(h.kernel, pid).code());
            assertEquals(600_000, h.info(pid).usage().bytes());
            assertEquals(6, h.info(pid).usage().syscallsByName().get("test.write"));
        }
    }
}
