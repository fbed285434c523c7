package org.agentos.kernel.impl.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Choosing processes by owner, program and state, as agent:ps, agent:kill, agent:pause and agent:resume do. */
class ProcessSelectionTest {
    private Kernel kernel;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        kernel = new Kernel(new LinuxHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        kernel.addProgram(sleeper("sleeper"), "test");
        kernel.addProgram(sleeper("napper"), "test");
        spawn("alice", "sleeper", 3);
        spawn("alice", "napper", 2);
        spawn("bob", "sleeper", 12);
    }

    @AfterEach
    void stop() {
        kernel.stop();
    }

    @Test
    void aSelectionByOwnerAndProgramActsOnExactlyThoseProcesses() {
        ProcessSelection.of("alice", "sleeper", null).apply(kernel, p -> true, false, "kill", "killed", kernel::kill, out);
        assertEquals("killed 3 processes (owner=alice program=sleeper)", printed().strip());
        assertEquals(0, live("alice", "sleeper"));
        assertEquals(2, live("alice", "napper"));
        assertEquals(12, live("bob", "sleeper"));
    }

    @Test
    void moreThanTenSelectedProcessesAreRefusedWithoutForceAndNoneIsTouched() {
        org.agentos.kernel.api.console.CommandException e = assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> ProcessSelection.of("bob", null, null).apply(kernel, p -> true, false, "kill", "killed", kernel::kill, out));
        assertEquals("ECANCELED: 12 processes match owner=bob; add --force to kill more than 10 at once", e.getMessage());
        assertEquals(12, live("bob", null));
    }

    @Test
    void withForceEverySelectedProcessIsActedOn() {
        ProcessSelection.of(null, "sleeper", null).apply(kernel, p -> true, true, "kill", "killed", kernel::kill, out);
        assertEquals("killed 15 processes (program=sleeper)", printed().strip());
        assertEquals(0, live(null, "sleeper"));
        assertEquals(2, live(null, "napper"));
    }

    @Test
    void resumeBySelectionResumesOnlyThePausedOnes() throws Exception {
        List<ProcessInfo> napping = kernel.list(ProcessSelection.of("alice", "napper", null).query(false, 100)).processes();
        kernel.pause(napping.get(0).pid());
        await("the pause", () -> kernel.info(napping.get(0).pid()).orElseThrow().state() == ProcessState.PAUSED);
        ProcessSelection.of("alice", null, null).apply(kernel, p -> p.state() == ProcessState.PAUSED || p.pausePending(),
                false, "resume", "resumed", kernel::resume, out);
        assertEquals("resumed 1 process (owner=alice)", printed().strip());
        assertTrue(kernel.info(napping.get(0).pid()).orElseThrow().state() != ProcessState.PAUSED);
    }

    @Test
    void aSelectionThatMatchesNothingIsEsrch() {
        org.agentos.kernel.api.console.CommandException e = assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> ProcessSelection.of("carol", null, null).apply(kernel, p -> true, false, "kill", "killed", kernel::kill, out));
        assertEquals("ESRCH: no process to kill matches owner=carol", e.getMessage());
    }

    @Test
    void anUnknownStateIsEinvalNamingTheStates() {
        org.agentos.kernel.api.console.CommandException e = assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> ProcessSelection.of(null, null, "sleepy"));
        assertTrue(e.getMessage().startsWith("EINVAL: unknown state 'sleepy'; states: NEW READY"), e.getMessage());
    }

    @Test
    void pidsAndASelectionTogetherAreRefused() {
        assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> ProcessSelection.requireOneOf(List.of(2L), ProcessSelection.of("alice", null, null), "kill"));
        assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> ProcessSelection.requireOneOf(List.of(), ProcessSelection.of(null, null, null), "kill"));
    }

    @Test
    void theSummaryCountsLiveProcessesByStateOwnerAndProgram() {
        ProcessSummary s = ProcessSummary.of(kernel.list(ProcessSelection.of(null, null, null).query(false, Integer.MAX_VALUE)).processes());
        assertEquals(17, s.total());
        assertEquals(5, s.byOwner().get("alice"));
        assertEquals(12, s.byOwner().get("bob"));
        assertEquals(15, s.byProgram().get("sleeper"));
        assertEquals(2, s.byProgram().get("napper"));
        assertEquals(17, s.byState().values().stream().mapToInt(Integer::intValue).sum());
        s.print(out, "");
        assertTrue(printed().startsWith("17 processes\n"), printed());
        assertTrue(printed().contains("\nbob    12\n"), printed());
    }

    @Test
    void aProgramCriterionCountsWithoutListing() {
        assertEquals(12, kernel.list(ProcessSelection.of("bob", "sleeper", null).query(false, 1)).matching());
        assertEquals(0, kernel.list(ProcessSelection.of("bob", "napper", null).query(false, 1)).matching());
    }

    // ------------------------------------------------------------------ helpers

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private long live(String owner, String program) {
        return kernel.list(ProcessSelection.of(owner, program, null).query(false, 1)).matching();
    }

    private void spawn(String owner, String program, int n) throws Exception {
        for (int i = 0; i < n; i++) kernel.spawn(new SpawnSpec(program, null, owner, 0, List.of(), null));
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    record Nap(boolean slept) {}

    /** Sleeps a minute, then exits: alive for as long as a test looks at it. */
    private static Program<Nap> sleeper(String name) {
        return new Program<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<Nap> stateType() {
                return Nap.class;
            }

            @Override
            public Nap init(JsonNode args) {
                return new Nap(false);
            }

            @Override
            public Step<Nap> step(Nap s, SyscallResult last) {
                return s.slept() ? Step.exit(s, 0) : Step.call(new Nap(true), "proc.sleep", Args.of("ms", 60_000));
            }
        };
    }
}
