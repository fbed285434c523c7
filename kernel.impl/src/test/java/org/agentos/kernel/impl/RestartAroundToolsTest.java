package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart happens around tool bundles: at boot the kernel restores processes before the bundles
 * that provide their syscalls have registered them, and at shutdown those bundles stop before the
 * kernel. Neither may end a process's call with ENOSYS.
 */
class RestartAroundToolsTest {
    @TempDir
    Path dir;

    private static final String TOOL = "test.append";

    /** An I/O tool that counts its calls and, while {@code gate} is closed, does not return. */
    private static Tool appender(AtomicInteger calls, CountDownLatch gate) {
        ToolDescriptor d = ToolDescriptor.builder(TOOL).resourceClass(ResourceClass.IO).build();
        return new Tool() {
            public ToolDescriptor descriptor() {
                return d;
            }

            public JsonNode call(ToolContext ctx, JsonNode args) throws org.agentos.kernel.api.syscall.SyscallException {
                calls.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new org.agentos.kernel.api.syscall.SyscallException(org.agentos.kernel.api.syscall.Errno.EINTR,
                            "interrupted");
                }
                return JsonNodeFactory.instance.objectNode().put("ok", true);
            }
        };
    }

    private static final CountDownLatch OPEN = new CountDownLatch(0);

    private KernelHarness kernel(long graceMillis) {
        KernelHarness h = new KernelHarness(KernelSettings.defaults(dir).withWorkers(2).withBootGraceMillis(graceMillis));
        h.kernel.addProgram(TestPrograms.looping("appender", TOOL, Args.none()), "test");
        return h;
    }

    @Test
    void aRestoredProcessWaitsForTheBundleOfItsSyscallAndThenGoesOn() throws Exception {
        long pid;
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.addTool(appender(new AtomicInteger(), OPEN), "tools");
            pid = h.kernel.spawn(SpawnSpec.of("appender", Args.of("limit", 1000)));
            KernelHarness.await("some appends", () -> h.info(pid).usage().syscalls() >= 5);
            h.kernel.pause(pid);
        }
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.resume(pid);
            KernelHarness.await("the process to wait for its syscall", () -> {
                String on = h.info(pid).waitingOn();
                return on != null && on.contains("'" + TOOL + "' to be registered");
            });
            assertEquals(ProcessState.READY, h.state(pid), "waiting off the run queue, not ended");
            h.kernel.addTool(appender(new AtomicInteger(), OPEN), "tools");
            ExitStatus s = h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertTrue(h.kernel.read(new AuditQuery(pid, TOOL, "ENOSYS", 10)).isEmpty(), "no call failed with ENOSYS");
        }
    }

    @Test
    void aSyscallThatNeverComesFailsWithEnosysWhenTheGracePeriodEnds() throws Exception {
        long pid;
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.addTool(appender(new AtomicInteger(), OPEN), "tools");
            pid = h.kernel.spawn(SpawnSpec.of("appender", Args.of("limit", 1000)));
            KernelHarness.await("some appends", () -> h.info(pid).usage().syscalls() >= 5);
        }
        try (KernelHarness h = kernel(300)) {
            // the looping program ignores errors and goes on: wait for one ENOSYS after the grace period
            KernelHarness.await("an ENOSYS once the grace period is over",
                    () -> !h.kernel.read(new AuditQuery(pid, TOOL, "ENOSYS", 1)).isEmpty());
            String detail = h.kernel.read(new AuditQuery(pid, TOOL, "ENOSYS", 1)).get(0).detail();
            assertTrue(detail.contains("no syscall '" + TOOL + "'"), detail);
        }
    }

    @Test
    void aMistypedSyscallIsEnosysAtOnceEvenDuringTheGracePeriod() throws Exception {
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.addTool(appender(new AtomicInteger(), OPEN), "tools");
            long pid = h.kernel.spawn(SpawnSpec.of("appender", Args.of("limit", 1000)));
            KernelHarness.await("some appends", () -> h.info(pid).usage().syscalls() >= 5);
        }
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.addProgram(TestPrograms.oneCall(), "test");
            long typo = h.kernel.spawn(SpawnSpec.of("onecall", Args.of("syscall", "test.apend", "args", Args.none())));
            ExitStatus s = h.kernel.awaitExit(typo).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(s.reason().contains("ENOSYS"), s.reason());
        }
    }

    @Test
    void aCallInFlightWhenTheToolsBundleStopsForAShutdownIsMadeAgainAfterTheRestart() throws Exception {
        long pid;
        AtomicInteger before = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        try (KernelHarness h = kernel(60_000)) {
            Tool stuck = appender(before, never);
            h.kernel.addTool(stuck, "tools");
            pid = h.kernel.spawn(SpawnSpec.of("appender", Args.of("limit", 3)));
            KernelHarness.await("the first call to be in flight", () -> before.get() == 1);
            // the framework is stopping: the kernel quiesces first, then the tool's bundle goes
            h.kernel.quiesce(50);
            h.kernel.removeTool(stuck);
            assertTrue(h.kernel.read(new AuditQuery(pid, TOOL, "ENOSYS", 10)).isEmpty(), "the call did not end with ENOSYS");
            assertEquals(ProcessState.READY, h.state(pid), "it holds its call for the restart");
        }
        AtomicInteger after = new AtomicInteger();
        try (KernelHarness h = kernel(60_000)) {
            h.kernel.addTool(appender(after, OPEN), "tools");
            ExitStatus s = h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertEquals(3, after.get(), "the interrupted call was made again, then the other two");
            List<AuditRecord> calls = h.kernel.read(new AuditQuery(pid, TOOL, null, 10));
            assertTrue(calls.stream().allMatch(r -> AuditRecord.OK.equals(r.outcome())), calls.toString());
        }
    }

    @Test
    void aToolRemovedWhileTheKernelRunsStillEndsItsCallsWithEnosys() throws Exception {
        try (KernelHarness h = kernel(60_000)) {
            AtomicInteger calls = new AtomicInteger();
            Tool stuck = appender(calls, new CountDownLatch(1));
            h.kernel.addTool(stuck, "tools");
            long pid = h.kernel.spawn(SpawnSpec.of("appender", Args.of("limit", 1)));
            KernelHarness.await("the call to be in flight", () -> calls.get() == 1);
            h.kernel.removeTool(stuck);
            KernelHarness.await("an ENOSYS", () -> !h.kernel.read(new AuditQuery(pid, TOOL, "ENOSYS", 1)).isEmpty());
        }
    }
}
