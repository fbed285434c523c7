package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcessLifecycleTest {
    private KernelHarness h;
    private Kernel k;

    @BeforeEach
    void start() {
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
        k.addProgram(TestPrograms.oneCall(), "test");
        k.addProgram(TestPrograms.program("parent", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                (s, last) -> s.n() == 0
                        ? Step.call(new TestPrograms.Count(1, 0), "proc.spawn", Args.of("program", "sleeper"))
                        : s.n() == 1 ? Step.call(new TestPrograms.Count(2, 0), "proc.sleep", Args.of("ms", 60_000))
                        : Step.exit(s, 0)), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private ExitStatus exitOf(long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void spawnedProcessRunsItsStepsAndExits() throws Exception {
        long pid = k.spawn(SpawnSpec.of("yielder", Args.of("limit", 100)));
        ExitStatus s = exitOf(pid);
        assertEquals(0, s.code());
        assertEquals(ProcessState.EXITED, s.state());
        ProcessInfo info = h.info(pid);
        assertEquals(101, info.usage().steps());
        assertEquals(100, info.usage().syscallsByName().get("proc.yield"));
    }

    @Test
    void processTableRecordsParentOwnerProgramAndCapabilities() throws Exception {
        long pid = k.spawn(new SpawnSpec("sleeper", null, "alice", 5, List.of("proc:spawn"), null));
        ProcessInfo p = h.info(pid);
        assertEquals(ProcessManager.INIT_PID, p.ppid());
        assertEquals("alice", p.owner());
        assertEquals("sleeper", p.program());
        assertEquals(5, p.nice());
        assertEquals(List.of("proc:spawn"), p.capabilities());
        h.awaitState(pid, ProcessState.BLOCKED);
        assertEquals("proc.sleep", h.info(pid).waitingOn());
    }

    @Test
    void unknownProgramIsEnoent() {
        SyscallException e = assertThrows(SyscallException.class, () -> k.spawn(SpawnSpec.of("nope", null)));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void unknownPidIsEsrch() {
        assertEquals(Errno.ESRCH, assertThrows(SyscallException.class, () -> k.kill(999_999)).errno());
        assertEquals(Errno.ESRCH, assertThrows(SyscallException.class, () -> k.pause(999_999)).errno());
    }

    @Test
    void pauseHoldsAProcessAtItsNextSyscallBoundary() throws Exception {
        long pid = k.spawn(SpawnSpec.of("yielder", null));
        await("some steps", () -> h.info(pid).usage().steps() > 10);
        k.pause(pid);
        h.awaitState(pid, ProcessState.PAUSED);
        long steps = h.info(pid).usage().steps();
        // Give the workers time to (wrongly) run it again; a paused process must not move.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        await("100 ms to pass", () -> System.nanoTime() > until);
        assertEquals(steps, h.info(pid).usage().steps());
        k.resume(pid);
        await("steps after resume", () -> h.info(pid).usage().steps() > steps);
    }

    @Test
    void pauseOfASleepingProcessTakesEffectAtOnceAndResumeReturnsItToItsSleep() throws Exception {
        long pid = k.spawn(SpawnSpec.of("sleeper", null));
        h.awaitState(pid, ProcessState.BLOCKED);
        k.pause(pid);
        assertEquals(ProcessState.PAUSED, h.state(pid));
        k.resume(pid);
        assertEquals(ProcessState.BLOCKED, h.state(pid));
    }

    @Test
    void doubleResumeIsEinval() throws Exception {
        long pid = k.spawn(SpawnSpec.of("sleeper", null));
        h.awaitState(pid, ProcessState.BLOCKED);
        k.pause(pid);
        k.resume(pid);
        SyscallException e = assertThrows(SyscallException.class, () -> k.resume(pid));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("not paused"), e.getMessage());
    }

    @Test
    void killOfAPausedProcessEndsIt() throws Exception {
        long pid = k.spawn(SpawnSpec.of("yielder", null));
        k.pause(pid);
        h.awaitState(pid, ProcessState.PAUSED);
        k.kill(pid);
        ExitStatus s = exitOf(pid);
        assertEquals(ProcessState.KILLED, s.state());
        assertEquals(137, s.code());
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> k.resume(pid)).errno());
    }

    @Test
    void killOfABlockedProcessCancelsItsCall() throws Exception {
        long pid = k.spawn(SpawnSpec.of("sleeper", null));
        h.awaitState(pid, ProcessState.BLOCKED);
        k.kill(pid);
        assertEquals(ProcessState.KILLED, exitOf(pid).state());
        assertTrue(k.read(new org.agentos.kernel.api.audit.AuditQuery(pid, "proc.sleep", "ECANCELED", 5)).size() == 1);
    }

    @Test
    void terminateInterruptsASleepAndEndsTheProcessByDefault() throws Exception {
        long pid = k.spawn(SpawnSpec.of("sleeper", null));
        h.awaitState(pid, ProcessState.BLOCKED);
        k.terminate(pid);
        ExitStatus s = exitOf(pid);
        assertEquals(143, s.code());
        assertEquals(ProcessState.EXITED, s.state());
    }

    @Test
    void terminateIsCatchable() throws Exception {
        record S(int n) {}
        k.addProgram(new org.agentos.kernel.api.program.Program<S>() {
            public String name() { return "stubborn"; }
            public Class<S> stateType() { return S.class; }
            public S init(com.fasterxml.jackson.databind.JsonNode a) { return new S(0); }
            public Step<S> step(S s, org.agentos.kernel.api.syscall.SyscallResult last) {
                return s.n() == 1 ? Step.exit(s, 42, "cleaned up") : Step.call(s, "proc.sleep", Args.of("ms", 60_000));
            }
            public Step<S> onTerminate(S s) { return Step.call(new S(1), "clock.now"); }
        }, "test");
        long pid = k.spawn(SpawnSpec.of("stubborn", null));
        h.awaitState(pid, ProcessState.BLOCKED);
        k.terminate(pid);
        ExitStatus s = exitOf(pid);
        assertEquals(42, s.code());
        assertEquals("cleaned up", s.reason());
    }

    @Test
    void waitOnANonChildIsEchild() throws Exception {
        long other = k.spawn(SpawnSpec.of("sleeper", null));
        long pid = k.spawn(SpawnSpec.of("onecall", Args.of("syscall", "proc.wait", "args", Args.of("pid", other))));
        ExitStatus s = exitOf(pid);
        assertEquals(1, s.code());
        assertTrue(s.reason().startsWith("ECHILD"), s.reason());
    }

    @Test
    void waitWithNoChildrenIsEchild() throws Exception {
        long pid = k.spawn(SpawnSpec.of("onecall", Args.of("syscall", "proc.wait", "args", Args.none())));
        assertTrue(exitOf(pid).reason().startsWith("ECHILD"));
    }

    @Test
    void waitReapsTheChildAndReturnsItsStatus() throws Exception {
        k.addProgram(TestPrograms.program("waiter", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                (s, last) -> switch ((int) s.n()) {
                    case 0 -> Step.call(new TestPrograms.Count(1, 0), "proc.spawn",
                            Args.of("program", "yielder", "args", Args.of("limit", 5)));
                    case 1 -> Step.call(new TestPrograms.Count(2, last.value().path("pid").asLong()), "proc.wait",
                            Args.of("pid", last.value().path("pid").asLong()));
                    default -> Step.exit(s, last.isOk() && last.value().path("pid").asLong() == s.limit() ? 0 : 1, last.toString());
                }), "test");
        long pid = k.spawn(new SpawnSpec("waiter", null, null, 0, List.of("proc:spawn"), null));
        ExitStatus s = exitOf(pid);
        assertEquals(0, s.code(), s.reason());
        long child = h.kernel.json.readTree(s.reason()).path("pid").asLong();
        assertFalse(k.info(child).isPresent(), "the waited-for child must be reaped");
    }

    @Test
    void orphansAreReparentedToInit() throws Exception {
        long parent = k.spawn(new SpawnSpec("parent", null, null, 0, List.of("proc:spawn"), null));
        await("the child", () -> !h.info(parent).children().isEmpty());
        long child = h.info(parent).children().get(0);
        assertEquals(parent, h.info(child).ppid());
        k.kill(parent);
        await("re-parenting", () -> h.info(child).ppid() == ProcessManager.INIT_PID);
        // the orphan lives on: it goes back to its wait (it may be in the middle of a step just now)
        await("the orphan to wait again", () -> h.state(child) == ProcessState.BLOCKED);
    }

    @Test
    void zombiesOfInitAreReapedBeyondTheRetention() throws Exception {
        try (KernelHarness small = new KernelHarness(KernelSettings.defaults(null).withWorkers(2).withZombieRetention(2))) {
            small.kernel.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
            long[] pids = new long[5];
            for (int i = 0; i < pids.length; i++) {
                pids[i] = small.kernel.spawn(SpawnSpec.of("yielder", Args.of("limit", 1)));
            }
            await("all but the 2 newest zombies to be reaped", () -> small.kernel.count() == 1 + 2);
            long kept = java.util.Arrays.stream(pids).filter(pid -> small.kernel.info(pid).isPresent()).count();
            assertEquals(2, kept);
            assertEquals(2, small.kernel.procs.zombiesOfInit());
        }
    }

    @Test
    void initCannotBeKilled() {
        assertEquals(Errno.EPERM, assertThrows(SyscallException.class, () -> k.kill(ProcessManager.INIT_PID)).errno());
    }

    @Test
    void initCannotBePausedSinceItReapsTheOrphans() {
        SyscallException e = assertThrows(SyscallException.class, () -> k.pause(ProcessManager.INIT_PID));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("init"), e.getMessage());
    }

    @Test
    void withoutASchedulerProcessesStayReadyUntilOneIsBound() throws Exception {
        k.setScheduler(null, null);
        long pid = k.spawn(SpawnSpec.of("yielder", Args.of("limit", 3)));
        assertEquals(ProcessState.READY, h.state(pid));
        k.setScheduler(new RoundRobinScheduler(), "test");
        assertEquals(0, exitOf(pid).code());
    }

    @Test
    void aProcessWhoseProgramIsMissingWaitsForIt() throws Exception {
        k.addProgram(TestPrograms.looping("transient", "proc.yield", null), "test");
        var prog = TestPrograms.looping("transient2", "proc.yield", null);
        k.addProgram(prog, "test");
        k.setScheduler(null, null);
        long pid = k.spawn(SpawnSpec.of("transient2", Args.of("limit", 2)));
        k.removeProgram(prog);
        k.setScheduler(new RoundRobinScheduler(), "test");
        await("the process to wait for its program", () -> String.valueOf(h.info(pid).waitingOn()).contains("to be installed"));
        assertEquals(ProcessState.READY, h.state(pid));
        k.addProgram(prog, "test");
        assertEquals(0, exitOf(pid).code());
    }

    @Test
    void aQueryListsTheLowestMatchingPidsAndCountsAllMatches() throws Exception {
        long[] alice = new long[5];
        for (int i = 0; i < alice.length; i++) alice[i] = k.spawn(new SpawnSpec("sleeper", null, "alice", 0, null, null));
        k.spawn(new SpawnSpec("sleeper", null, "bob", 0, null, null));
        var page = k.list(new org.agentos.kernel.api.process.ProcessQuery("alice", null, false, 3));
        assertEquals(5, page.matching());
        assertEquals(List.of(alice[0], alice[1], alice[2]), page.processes().stream().map(ProcessInfo::pid).toList());
        k.kill(alice[0]);
        var live = k.list(new org.agentos.kernel.api.process.ProcessQuery("alice", null, false, 10));
        assertEquals(4, live.matching(), "ended processes are left out unless asked for");
        var withEnded = k.list(new org.agentos.kernel.api.process.ProcessQuery("alice", ProcessState.KILLED, true, 10));
        assertEquals(List.of(alice[0]), withEnded.processes().stream().map(ProcessInfo::pid).toList());
    }
}
