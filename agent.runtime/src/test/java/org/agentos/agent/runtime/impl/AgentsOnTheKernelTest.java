package org.agentos.agent.runtime.impl;

import static org.agentos.agent.runtime.impl.ReplayTest.agent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.hal.jvm.JvmHal;
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
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agents written as code on a real kernel: mediation, capabilities, pause and kill, threads, a restart. */
class AgentsOnTheKernelTest {
    private final ObjectMapper json = new ObjectMapper();
    private final List<Kernel> kernels = new ArrayList<>();
    private LiveRuns runs;

    private Kernel kernel(Path dir, int maxLive) {
        Kernel k = new Kernel(new JvmHal(), KernelSettings.defaults(dir).withWorkers(2));
        k.setScheduler(new RoundRobinScheduler(), "test");
        LiveRuns r = new LiveRuns(json, maxLive, 0, 100_000);
        runs = r;
        // as AgentPrograms does with the kernel's EventAdmin events
        k.setEventSink((topic, props) -> {
            if (Kernel.TOPIC_EXITED.equals(topic)) r.processEnded((Long) props.get("pid"));
        });
        k.start();
        kernels.add(k);
        return k;
    }

    private void add(Kernel k, Agent<?> a) {
        k.addProgram(new ReplayProgram(a, runs, json), "test");
    }

    @AfterEach
    void stop() {
        for (Kernel k : kernels) k.stop();
        if (runs != null) runs.close();
    }

    private static ExitStatus exit(Kernel k, long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void everyCallOfAgentCodeIsAnAuditedSyscallOfItsProcess() throws Exception {
        Kernel k = kernel(null, 8);
        add(k, agent("caller", JsonNode.class, (sys, in) -> {
            long t = sys.clock().now();
            int r = sys.random().nextInt(10);
            long pid = sys.call("proc.getpid").path("pid").asLong();
            sys.proc().sleep(1);
            return pid + " " + (t > 0) + " " + (r >= 0 && r < 10);
        }));
        long pid = k.spawn(SpawnSpec.of("caller", null));
        ExitStatus x = exit(k, pid);
        assertEquals(0, x.code(), x.reason());
        assertEquals(pid + " true true", x.reason());
        k.sync();
        Set<String> calls = k.read(new AuditQuery(pid, null, null, 100)).stream()
                .filter(a -> AuditRecord.SYSCALL.equals(a.kind())).map(a -> a.name() + " " + a.outcome())
                .collect(Collectors.toSet());
        assertEquals(Set.of("clock.now ok", "random.int ok", "proc.getpid ok", "proc.sleep ok"), calls);
    }

    @Test
    void capabilitiesHoldForAgentCodeAndItsFailureIsCatchable() throws Exception {
        Kernel k = kernel(null, 8);
        add(k, agent("spawner", JsonNode.class, (sys, in) -> {
            try {
                sys.proc().spawn("spawner", null);
                return "spawned";
            } catch (SyscallFailure f) {
                return f.errno().name();
            }
        }));
        long pid = k.spawn(new SpawnSpec("spawner", null, null, 0, List.of("clock:*"), null));
        assertEquals("EPERM", exit(k, pid).reason());
    }

    @Test
    void aPauseLandsInsideALoopOfCallsAndAKillFreesTheThread() throws Exception {
        Kernel k = kernel(null, 8);
        add(k, agent("spinner", JsonNode.class, (sys, in) -> {
            while (true) sys.clock().now();
        }));
        long pid = k.spawn(SpawnSpec.of("spinner", null));
        await("the agent runs", () -> runs.live() == 1);
        k.pause(pid);
        await("PAUSED", () -> k.info(pid).orElseThrow().state() == ProcessState.PAUSED);
        long calls = k.info(pid).orElseThrow().usage().syscalls();
        Thread.sleep(50);
        assertEquals(calls, k.info(pid).orElseThrow().usage().syscalls(), "no call while paused");
        k.resume(pid);
        await("calls again", () -> k.info(pid).orElseThrow().usage().syscalls() > calls);
        k.kill(pid);
        assertEquals(ProcessState.KILLED, exit(k, pid).state());
        await("its run is gone", () -> runs.live() == 0);
    }

    @Test
    void manySleepingAgentsShareAFewThreads() throws Exception {
        Kernel k = kernel(null, 4);
        add(k, agent("napper", JsonNode.class, (sys, in) -> {
            int n = in.path("n").asInt();
            sys.proc().sleep(20);
            sys.proc().sleep(20);
            return "n" + n;
        }));
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 300; i++) pids.add(k.spawn(SpawnSpec.of("napper", Args.of("n", i))));
        int most = 0;
        for (int i = 0; i < pids.size(); i++) {
            most = Math.max(most, runs.live());
            ExitStatus x = exit(k, pids.get(i));
            assertEquals("n" + i, x.reason());
        }
        assertTrue(most <= 4 + 2, "live runs stay near the bound: " + most);
        assertTrue(runs.evictedCount() > 0, runs.toString());
    }

    /** A tool that counts how often it was really called. */
    static final class CountingTool implements Tool {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public ToolDescriptor descriptor() {
            return ToolDescriptor.builder("test.count").resourceClass(ResourceClass.CPU).build();
        }

        @Override
        public JsonNode call(ToolContext context, JsonNode args) {
            return Args.of("n", calls.incrementAndGet());
        }
    }

    @Test
    void afterARestartTheAgentGoesOnWithoutMakingItsCallsAgain(@TempDir Path dir) throws Exception {
        Agent<JsonNode> waiter = agent("waiter", JsonNode.class, (sys, in) -> {
            int n = sys.call("test.count").path("n").asInt();
            List<JsonNode> got = sys.ipc().mailbox(1, 60_000);
            return "count " + n + ", got " + got.get(0).path("payload").asText();
        });
        Kernel first = kernel(dir, 8);
        CountingTool tool = new CountingTool();
        first.addTool(tool, "test");
        add(first, waiter);
        long pid = first.spawn(SpawnSpec.of("waiter", null));
        await("waiting for mail", () -> first.info(pid).orElseThrow().state() == ProcessState.BLOCKED);
        first.stop();
        kernels.remove(first);
        runs.close();

        Kernel second = kernel(dir, 8);
        second.addTool(tool, "test");
        add(second, waiter);
        second.ipc().send("@" + pid, json.getNodeFactory().textNode("hello"), null);
        ExitStatus x = exit(second, pid);
        assertEquals("count 1, got hello", x.reason());
        assertEquals(1, tool.calls.get(), "test.count was served from the history after the restart");
        assertTrue(Files.exists(dir));
    }

    @Test
    void aDivergedAgentIsHeldForInspectionAndAResumeWithFixedCodeGoesOn(@TempDir Path dir) throws Exception {
        AtomicBoolean changed = new AtomicBoolean();
        Agent<JsonNode> fickle = agent("fickle", JsonNode.class, (sys, in) -> {
            sys.call(changed.get() ? "test.other" : "test.count");
            List<JsonNode> got = sys.ipc().mailbox(1, 60_000);
            return "got " + got.get(0).path("payload").asText();
        });
        Kernel first = kernel(dir, 8);
        CountingTool tool = new CountingTool();
        first.addTool(tool, "test");
        add(first, fickle);
        long pid = first.spawn(SpawnSpec.of("fickle", null));
        await("waiting for mail", () -> first.info(pid).orElseThrow().state() == ProcessState.BLOCKED);
        first.stop();
        kernels.remove(first);
        runs.close();

        changed.set(true); // the agent's bundle replaced by code that makes other calls
        Kernel second = kernel(dir, 8);
        second.addTool(tool, "test");
        add(second, fickle);
        second.ipc().send("@" + pid, json.getNodeFactory().textNode("hello"), null);
        await("held", () -> second.info(pid).orElseThrow().state() == ProcessState.PAUSED);
        String why = second.info(pid).orElseThrow().waitingOn();
        assertTrue(why.startsWith("stopped itself: replay diverged at call 1 of 2"), why);
        assertTrue(why.contains("the history has test.count, the code now asks for test.other"), why);

        changed.set(false); // fixed
        second.resume(pid);
        assertEquals("got hello", exit(second, pid).reason(), "its history, message included, kept while held");
        assertEquals(1, tool.calls.get());
    }

    @Test
    void anAgentThatRefusesToStartFailsItsSpawnWithItsReason() {
        Agent<JsonNode> closed = new Agent<>() {
            @Override
            public String name() {
                return "closed";
            }

            @Override
            public Class<JsonNode> inputType() {
                return JsonNode.class;
            }

            @Override
            public String refusesSpawn() {
                return "ENOSYS: a tool it needs is gone";
            }

            @Override
            public String run(org.agentos.agent.runtime.Sys sys, JsonNode input) {
                throw new AssertionError("never runs");
            }
        };
        Kernel k = kernel(null, 4);
        add(k, closed);
        org.agentos.kernel.api.syscall.SyscallException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.agentos.kernel.api.syscall.SyscallException.class, () -> k.spawn(SpawnSpec.of("closed", null)));
        assertEquals(org.agentos.kernel.api.syscall.Errno.EINVAL, e.errno());
        assertEquals("closed: ENOSYS: a tool it needs is gone", e.getMessage());
    }
}
