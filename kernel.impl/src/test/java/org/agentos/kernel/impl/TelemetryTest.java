package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.api.telemetry.SyscallEvent;
import org.agentos.kernel.api.telemetry.SyscallMetrics;
import org.agentos.kernel.api.telemetry.SyscallObserver;
import org.agentos.kernel.api.telemetry.SystemMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the kernel counts for exporters, and what it tells a syscall observer. */
class TelemetryTest {
    private KernelHarness h;
    private Kernel k;

    @BeforeEach
    void start() throws Exception {
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.addProgram(TestPrograms.oneCall(), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
        k.addProgram(TestPrograms.looping("loop", "test.echo", Args.of("text", "x")), "test");
        k.addTool(tool(ToolDescriptor.builder("test.echo").args(k.json.readTree(
                "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}")).capabilities("echo").resourceClass(ResourceClass.IO).build(),
                (c, a) -> a), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private ExitStatus run(String program, Object args, String owner, List<String> caps) throws Exception {
        long pid = k.spawn(new SpawnSpec(program, k.json.valueToTree(args), owner, 0, caps, null));
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private SyscallMetrics metrics(String name) {
        return k.telemetry.syscalls().stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }

    @Test
    void callsAreCountedByOutcomeWithTheirLatencies() throws Exception {
        run("loop", java.util.Map.of("limit", 5), "alice", List.of("echo"));
        run("onecall", java.util.Map.of("syscall", "test.echo", "args", java.util.Map.of()), "bob", List.of());
        SyscallMetrics echo = metrics("test.echo");
        assertNotNull(echo);
        assertEquals("IO", echo.resourceClass());
        assertEquals(5L, echo.outcomes().get("ok"));
        assertEquals(1L, echo.outcomes().get("EPERM"), echo.outcomes().toString());
        assertEquals(6, echo.count());
        long bucketed = 0;
        for (long b : echo.buckets()) bucketed += b;
        assertEquals(6, bucketed, "every call is in one latency bucket");
        assertTrue(echo.seconds() > 0);
    }

    @Test
    void namesNotInTheTableAreCountedAsOneSoCallersCannotMakeUpLabels() throws Exception {
        for (String made : new String[] {"no.such.a", "no.such.b", "no.such.c"}) {
            run("onecall", java.util.Map.of("syscall", made, "args", java.util.Map.of()), "alice", List.of());
        }
        assertEquals(3L, metrics(SyscallMetrics.UNKNOWN).outcomes().get("ENOSYS"));
        assertTrue(k.telemetry.syscalls().stream().noneMatch(m -> m.name().startsWith("no.such")));
    }

    @Test
    void ownersKeepTheirUsageAfterTheirProcessesEnd() throws Exception {
        run("loop", java.util.Map.of("limit", 3), "carol", List.of("echo"));
        long sleeping = k.spawn(new SpawnSpec("sleeper", Args.of("ms", 60_000), "carol", 0, List.of(), null));
        h.awaitState(sleeping, ProcessState.BLOCKED);
        SystemMetrics s = k.telemetry.system();
        SystemMetrics.Owner carol = s.owners().get("carol");
        assertEquals(1, carol.processes(), "one live process");
        assertTrue(carol.steps() >= 4, "steps of the ended process count: " + carol);
        assertEquals(3, carol.syscalls(), "calls that ended: " + carol);
        assertTrue(carol.cpuNanos() > 0);
        assertEquals(1L, s.processes().get(ProcessState.BLOCKED));
        k.kill(sleeping);
        k.awaitExit(sleeping).toCompletableFuture().get(10, TimeUnit.SECONDS);
        SystemMetrics.Owner after = k.telemetry.system().owners().get("carol");
        assertEquals(0, after.processes());
        assertTrue(after.steps() >= carol.steps() && after.syscalls() >= carol.syscalls(), "counters never go back");
    }

    @Test
    void anObserverHearsEveryCallAndEveryEndAndCannotBreakTheKernel() throws Exception {
        List<SyscallEvent> calls = new CopyOnWriteArrayList<>();
        List<Long> ended = new CopyOnWriteArrayList<>();
        SyscallObserver observer = new SyscallObserver() {
            @Override
            public void syscallEnded(SyscallEvent e) {
                calls.add(e);
                throw new IllegalStateException("an observer's bug");
            }

            @Override
            public void processEnded(long pid, String owner, String program, long startMillis, long endMillis, ExitStatus s) {
                ended.add(pid);
            }
        };
        k.telemetry.addObserver(observer);
        long before = System.currentTimeMillis();
        ExitStatus s = run("onecall", java.util.Map.of("syscall", "test.echo", "args", java.util.Map.of("text", "hi")), "dave",
                List.of("echo"));
        assertEquals(0, s.code(), s.reason());
        SyscallEvent e = calls.stream().filter(c -> c.name().equals("test.echo")).findFirst().orElseThrow();
        assertEquals("dave", e.owner());
        assertEquals("onecall", e.program());
        assertEquals("hi", e.args().path("text").asText());
        assertTrue(e.result().isOk());
        assertTrue(e.startEpochNanos() / 1_000_000 >= before - 1000 && e.durationNanos() >= 0, e.toString());
        KernelHarness.await("the exit told", () -> ended.contains(e.pid()));

        k.telemetry.removeObserver(observer);
        calls.clear();
        run("onecall", java.util.Map.of("syscall", "test.echo", "args", java.util.Map.of()), "dave", List.of("echo"));
        assertTrue(calls.isEmpty(), "a removed observer hears nothing");
    }
}
