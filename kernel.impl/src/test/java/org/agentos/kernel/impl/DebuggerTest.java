package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.debug.Debugger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The debugger at the syscall boundary: breakpoints, single steps, traces, state, and a fork at a step with another result. */
class DebuggerTest {
    @TempDir
    Path dir;

    private KernelHarness start() throws Exception {
        KernelHarness h = KernelHarness.persistent(dir);
        h.kernel.addTool(new CallJournalTest.EffectTool(dir), "test");
        h.kernel.addProgram(CallJournalTest.writer(), "test");
        // sleeps 300 ms, then writes its value: time to set a breakpoint first
        h.kernel.addProgram(TestPrograms.program("late", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0), (s, last) ->
                s.n() == 0 ? Step.call(new TestPrograms.Count(1, 0), "proc.sleep", Args.of("ms", 300))
                        : s.n() == 1 ? Step.call(new TestPrograms.Count(2, 0), "proc.kill", Args.of("pid", 1))
                        : Step.exit(s, last.isOk() ? 0 : 1, String.valueOf(last))), "test");
        return h;
    }

    private long writer(KernelHarness h, int limit) throws SyscallException {
        return h.kernel.spawn(new SpawnSpec("writer", Args.of("limit", limit), "alice", 0, List.of("*"), null));
    }

    private String waitingOn(KernelHarness h, long pid) {
        return String.valueOf(h.info(pid).waitingOn());
    }

    private long effects(long pid) throws Exception {
        Path f = dir.resolve("effects.log");
        if (!Files.exists(f)) return 0;
        return Files.readAllLines(f).stream().filter(l -> l.split(" ")[1].equals(Long.toString(pid))).count();
    }

    @Test
    void aBreakpointOnASyscallStopsBeforeTheCallAndAStepRunsOneStep() throws Exception {
        try (KernelHarness h = start()) {
            long pid = writer(h, 3);
            // the writer's first call is already under way; the breakpoint takes the next ones
            Debugger.Breakpoint b = h.kernel.debugger.addBreak(pid, "effect.*");
            h.awaitState(pid, ProcessState.PAUSED);
            assertTrue(waitingOn(h, pid).startsWith("breakpoint " + b.id() + " (effect.*): step "), waitingOn(h, pid));
            assertTrue(waitingOn(h, pid).contains("asks for effect.append {\"value\":"), waitingOn(h, pid));
            long made = effects(pid);
            ObjectNode state = h.kernel.debugger.state(pid);
            assertEquals("effect.append", state.path("pendingCall").path("syscall").asText(), state.toString());
            assertTrue(!state.path("pendingCall").path("inFlight").asBoolean(), "held before it is made");
            assertTrue(state.path("programState").has("n"), state.toString());

            h.kernel.debugger.stepOnce(pid); // makes the held write, runs one step, stops at its call (the clock)
            KernelHarness.await("the step to end", () -> waitingOn(h, pid).startsWith("stepped"));
            assertEquals(ProcessState.PAUSED, h.state(pid));
            assertTrue(waitingOn(h, pid).contains("asks for clock.now"), waitingOn(h, pid));
            assertEquals(made + 1, effects(pid), "the held call was made once");

            assertEquals(List.of(b), h.kernel.debugger.breakpoints(pid));
            assertTrue(h.kernel.debugger.deleteBreak(b.id()));
            h.kernel.resume(pid);
            assertEquals(3, h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
            assertTrue(h.kernel.debugger.breakpoints(null).isEmpty());
        }
    }

    @Test
    void breakpointsOnAnErrnoAndOnAStep() throws Exception {
        try (KernelHarness h = start()) {
            long late = h.kernel.spawn(new SpawnSpec("late", Args.none(), "alice", 0, List.of(), null));
            h.kernel.debugger.addBreak(late, "EPERM"); // proc.kill of init without proc:kill
            h.awaitState(late, ProcessState.PAUSED);
            assertTrue(waitingOn(h, late).contains("(EPERM): proc.kill answered EPERM"), waitingOn(h, late));
            h.kernel.resume(late); // it sees the result now
            assertEquals(1, h.kernel.awaitExit(late).toCompletableFuture().get(10, TimeUnit.SECONDS).code());

            long w = writer(h, 50);
            h.kernel.debugger.addBreak(w, "step 7");
            KernelHarness.await("step 7", () -> waitingOn(h, w).contains("(step 7): step 7 asks for"));
            assertEquals(7, h.info(w).usage().steps());
            h.kernel.kill(w);

            for (String bad : new String[] {"step x", "step 0", "EWHAT", "fs write", ""}) {
                long pid = writer(h, 1000);
                SyscallException e = assertThrows(SyscallException.class, () -> h.kernel.debugger.addBreak(pid, bad), bad);
                assertEquals(Errno.EINVAL, e.errno(), bad);
                h.kernel.kill(pid);
            }
            assertEquals(Errno.ESRCH, assertThrows(SyscallException.class, () -> h.kernel.debugger.addBreak(987_654, "*")).errno());
        }
    }

    @Test
    void aTraceSeesEachCallWithItsResultAndDuration() throws Exception {
        try (KernelHarness h = start()) {
            long pid = writer(h, 100_000);
            List<Debugger.TraceEvent> seen = new CopyOnWriteArrayList<>();
            try (AutoCloseable t = h.kernel.debugger.trace(pid, seen::add)) {
                KernelHarness.await("some calls", () -> seen.size() >= 6);
            }
            h.kernel.kill(pid);
            assertTrue(seen.stream().anyMatch(e -> e.name().equals("effect.append") && e.result().isOk()
                    && e.args().get("value").isNumber()), seen.toString());
            assertTrue(seen.stream().anyMatch(e -> e.name().equals("clock.now") && e.result().value().has("millis")));
            assertTrue(seen.stream().allMatch(e -> e.pid() == pid && e.nanos() >= 0));
        }
    }

    @Test
    void aForkAtAStepStartsFromThatStateWithTheResultItIsGiven() throws Exception {
        try (KernelHarness h = start()) {
            long pid = writer(h, 5);
            assertEquals(5, h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code());

            // step 3 asks for effect.append of 1: answered as if it had written it, the fork writes 2..4
            long forked = h.kernel.debugger.forkAt(pid, 3, Args.of("written", 1));
            assertEquals(5, h.kernel.awaitExit(forked).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
            assertEquals(3, effects(forked));
            assertEquals("alice", h.info(forked).owner());

            // without a result it makes that call itself
            long again = h.kernel.debugger.forkAt(pid, 3, null);
            assertEquals(5, h.kernel.awaitExit(again).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
            assertEquals(4, effects(again));

            // what if the tool had failed?
            long failed = h.kernel.debugger.forkAt(pid, 3, Args.of("errno", "EIO", "message", "disk on fire"));
            var exit = h.kernel.awaitExit(failed).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(2, exit.code());
            assertTrue(exit.reason().contains("disk on fire"), exit.reason());

            SyscallException past = assertThrows(SyscallException.class, () -> h.kernel.debugger.forkAt(pid, 99, null));
            assertEquals(Errno.EINVAL, past.errno());
            assertTrue(past.getMessage().contains("no step 99"), past.getMessage());
        }
    }
}
