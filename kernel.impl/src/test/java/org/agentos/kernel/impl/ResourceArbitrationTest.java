package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

/** Per-process byte rates (the LLM gates under load: apps.examples SimulatedLlmArbitrationTest). */
class ResourceArbitrationTest {

    private static KernelHarness kernel(int llmConcurrency, long ioRate) {
        KernelHarness h = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(10_000)
                .withLlmConcurrency(llmConcurrency).withByteRates(ioRate, 0));
        return h;
    }

    private static ExitStatus exit(Kernel k, long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
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
