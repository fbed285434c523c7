package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** proc.stop: a process stops itself for an operator to look at, and goes on when resumed, across a restart too. */
class ProcStopTest {
    @TempDir
    Path dir;

    /** Stops itself with a reason, then exits with what the stop call answered. */
    private static void install(Kernel k) {
        k.addProgram(TestPrograms.program("stopper", Integer.class, a -> 0,
                (s, last) -> s == 0 ? Step.call(1, "proc.stop", Args.of("reason", "look at me"))
                        : Step.exit(s, last.isOk() ? 0 : 1, String.valueOf(last))), "test");
    }

    @Test
    void aStoppedProcessIsHeldWithItsReasonUntilResumed() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            install(h.kernel);
            long pid = h.kernel.spawn(SpawnSpec.of("stopper", null));
            h.awaitState(pid, ProcessState.PAUSED);
            assertEquals("stopped itself: look at me", h.info(pid).waitingOn());
            h.kernel.resume(pid);
            ExitStatus s = h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), "the stop call returned ok after the resume: " + s.reason());
        }
    }

    @Test
    void aStoppedProcessStaysStoppedAcrossARestart() throws Exception {
        long pid;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            pid = h.kernel.spawn(SpawnSpec.of("stopper", null));
            h.awaitState(pid, ProcessState.PAUSED);
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            install(h.kernel);
            assertEquals(ProcessState.PAUSED, h.state(pid));
            assertEquals("stopped itself: look at me", h.info(pid).waitingOn());
            h.kernel.resume(pid);
            assertEquals(0, h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code(),
                    "resumed once, not stopped again by the call made anew");
        }
    }

    @Test
    void onlyTheProcessItselfCanStop() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            install(h.kernel);
            long pid = h.kernel.spawn(SpawnSpec.of("stopper", null));
            h.awaitState(pid, ProcessState.PAUSED);
            SyscallResult r = h.kernel.call(pid, "proc.stop", Args.of("reason", "from outside"), null);
            assertEquals(Errno.EINVAL, r.errno(), r.toString());
            assertTrue(h.info(pid).waitingOn().endsWith("look at me"), "its own stop stands");
        }
    }
}
