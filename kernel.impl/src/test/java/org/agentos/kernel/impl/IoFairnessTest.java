package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

/**
 * One owner's slow I/O calls take at most a quarter of the I/O threads: 40 "sleep 40" commands
 * of one tenant made another tenant's fs.read time out after 30 s.
 */
class IoFairnessTest {
    @Test
    void anOwnersSlowCallsLeaveIoThreadsForOtherOwners() throws Exception {
        KernelSettings eight = new KernelSettings(2, 1000, 500, 1000, true, 64L << 20, 16, List.of("proc:*"), 8, 2, null, 4, 0,
                0, 60_000, TimeUnit.DAYS.toMillis(30), TimeUnit.DAYS.toMillis(1));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (KernelHarness h = new KernelHarness(eight)) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.oneCall(), "test");
            k.addTool(new Tool() {
                public ToolDescriptor descriptor() {
                    return ToolDescriptor.builder("test.slow").resourceClass(org.agentos.kernel.api.syscall.ResourceClass.IO)
                            .timeout(java.time.Duration.ofSeconds(60)).build();
                }

                public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
                    if (ctx.owner().equals("hog")) {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            running.decrementAndGet();
                        }
                    }
                    return Args.of("owner", ctx.owner());
                }
            }, "test");
            List<Long> hogs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                hogs.add(k.spawn(new SpawnSpec("onecall", Args.of("syscall", "test.slow", "args", Args.none()), "hog", 0, List.of("**"), null)));
            }
            KernelHarness.await("the hog's calls to take their threads", () -> running.get() == 2);
            long victim = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "test.slow", "args", Args.none()), "victim", 0, List.of("**"), null));
            ExitStatus s = k.awaitExit(victim).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertEquals(2, most.get(), "the hog held a quarter of the 8 I/O threads, no more");
            release.countDown();
            for (long pid : hogs) {
                ExitStatus hs = k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertEquals(0, hs.code(), "every waiting call ran in its turn: " + hs.reason());
            }
            assertTrue(most.get() <= 2);
        }
    }
}
