package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.proc.TreeBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SyscallMediationTest {
    private KernelHarness h;
    private Kernel k;

    @BeforeEach
    void start() {
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.addProgram(TestPrograms.oneCall(), "test");
        k.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /** Spawns a process that makes one call, and returns the result it saw, via its exit reason. */
    private ExitStatus oneCall(String syscall, JsonNode args, List<String> caps) throws Exception {
        long pid = k.spawn(new SpawnSpec("onecall", Args.of("syscall", syscall, "args", args), null, 0, caps, null));
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void unknownSyscallIsEnosys() throws Exception {
        assertTrue(oneCall("no.such", Args.none(), null).reason().startsWith("ENOSYS"));
    }

    @Test
    void argumentsAreValidatedAgainstTheSchema() throws Exception {
        String reason = oneCall("proc.sleep", Args.of("ms", "soon"), null).reason();
        assertTrue(reason.startsWith("EINVAL: proc.sleep: args.ms must be an integer"), reason);
        reason = oneCall("proc.sleep", Args.none(), null).reason();
        assertTrue(reason.contains("args.ms is required"), reason);
    }

    @Test
    void aDeniedCallIsEpermNamesTheCapabilityAndIsAudited() throws Exception {
        ExitStatus s = oneCall("proc.spawn", Args.of("program", "yielder"), List.of());
        assertTrue(s.reason().startsWith("EPERM: proc.spawn needs capability 'proc:spawn'"), s.reason());
        List<AuditRecord> denied = k.read(new AuditQuery(0, "proc.spawn", "EPERM", 10));
        assertEquals(1, denied.size());
        assertTrue(denied.get(0).detail().contains("proc:spawn"));
    }

    @Test
    void aChildCannotGetACapabilityItsParentLacks() throws Exception {
        ExitStatus s = oneCall("proc.spawn", Args.of("program", "yielder", "capabilities",
                k.json.valueToTree(List.of("proc:spawn", "net:connect:*"))), List.of("proc:spawn"));
        assertTrue(s.reason().startsWith("EPERM"), s.reason());
        assertTrue(s.reason().contains("net:connect:*"), s.reason());
        assertEquals(1, k.read(new AuditQuery(0, "proc.spawn", "EPERM", 10)).size());
    }

    @Test
    void aChildInheritsItsParentsCapabilitiesWhenItNamesNone() throws Exception {
        ExitStatus s = oneCall("proc.spawn", Args.of("program", "sleeper"), List.of("proc:spawn", "x:y"));
        assertEquals(0, s.code(), s.reason());
        long child = k.json.readTree(s.reason()).path("pid").asLong();
        assertEquals(List.of("proc:spawn", "x:y"), h.info(child).capabilities());
    }

    @Test
    void toolCapabilityTemplatesAreFilledFromArguments() throws Exception {
        k.addTool(tool(ToolDescriptor.builder("test.read").args(k.json.readTree(
                "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}"))
                .capabilities("fs:read:{path}").build(), (c, a) -> a), "test");
        assertEquals(0, oneCall("test.read", Args.of("path", "/home/a/x"), List.of("fs:read:/home/a/**")).code());
        String reason = oneCall("test.read", Args.of("path", "/etc/passwd"), List.of("fs:read:/home/a/**")).reason();
        assertTrue(reason.contains("fs:read:/etc/passwd"), reason);
        // several placeholders, text around them, one argument absent (it fills in as nothing)
        k.addTool(tool(ToolDescriptor.builder("test.copy").args(k.json.readTree("{\"type\":\"object\",\"properties\":"
                + "{\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"}}}"))
                .capabilities("copy:{from}:to:{to}.done").build(), (c, a) -> a), "test");
        String two = oneCall("test.copy", Args.of("from", "a"), List.of("copy:b:*")).reason();
        assertTrue(two.contains("'copy:a:to:.done'"), two);
        assertEquals(0, oneCall("test.copy", Args.of("from", "a", "to", "b"), List.of("copy:a:to:b.done")).code());
    }

    @Test
    void aToolThatThrowsGivesEioAndTheKernelCarriesOn() throws Exception {
        k.addTool(tool(ToolDescriptor.builder("test.broken").build(), (c, a) -> {
            throw new IllegalStateException("disk on fire");
        }), "test");
        String reason = oneCall("test.broken", Args.none(), null).reason();
        assertTrue(reason.startsWith("EIO: test.broken failed"), reason);
        assertEquals(0, oneCall("proc.yield", Args.none(), null).code());
    }

    @Test
    void aToolsOwnErrnoReachesTheCaller() throws Exception {
        k.addTool(tool(ToolDescriptor.builder("test.missing").build(), (c, a) -> {
            throw new SyscallException(Errno.ENOENT, "no such thing");
        }), "test");
        assertEquals("ENOENT: no such thing", oneCall("test.missing", Args.none(), null).reason());
    }

    @Test
    void aSlowIoToolTimesOutWithEtimedout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        k.addTool(tool(ToolDescriptor.builder("test.slow").resourceClass(ResourceClass.IO).timeout(Duration.ofMillis(100))
                .build(), (c, a) -> {
            try {
                never.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }), "test");
        String reason = oneCall("test.slow", Args.none(), null).reason();
        never.countDown();
        assertTrue(reason.startsWith("ETIMEDOUT"), reason);
    }

    @Test
    void aToolUninstalledDuringACallGivesEnosys() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Tool t = tool(ToolDescriptor.builder("test.leaving").resourceClass(ResourceClass.NET).build(), (c, a) -> {
            entered.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Args.of("ok", true);
        });
        k.addTool(t, "test");
        long pid = k.spawn(SpawnSpec.of("onecall", Args.of("syscall", "test.leaving", "args", Args.none())));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        assertEquals(ProcessState.BLOCKED, h.state(pid));
        k.removeTool(t);
        release.countDown();
        String reason = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).reason();
        assertTrue(reason.startsWith("ENOSYS"), reason);
    }

    @Test
    void aProcessOverItsSyscallQuotaIsStoppedAndOthersCarryOn() throws Exception {
        long greedy = k.spawn(new SpawnSpec("yielder", null, null, 0, null,
                Quotas.NONE.withSyscalls(50)));
        long modest = k.spawn(SpawnSpec.of("yielder", Args.of("limit", 200)));
        ExitStatus s = k.awaitExit(greedy).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ProcessState.KILLED, s.state());
        assertTrue(s.reason().startsWith("EQUOTA"), s.reason());
        assertTrue(s.reason().contains("50"), s.reason());
        assertEquals(50, h.info(greedy).usage().syscalls());
        assertEquals(0, k.awaitExit(modest).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
    }

    @Test
    void aProcessOverItsCpuQuotaIsStopped() throws Exception {
        long pid = k.spawn(new SpawnSpec("yielder", null, null, 0, null, Quotas.NONE.withCpuNanos(2_000_000)));
        ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ProcessState.KILLED, s.state());
        assertTrue(s.reason().startsWith("EQUOTA: used") && s.reason().contains("CPU"), s.reason());
    }

    @Test
    void aToolThatAnswersLaterHoldsNoIoThreadAndAKillCancelsItsWork() throws Exception {
        List<java.util.concurrent.CompletableFuture<JsonNode>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        k.addTool(new Tool() {
            public ToolDescriptor descriptor() {
                return ToolDescriptor.builder("test.later").resourceClass(org.agentos.kernel.api.syscall.ResourceClass.IO).build();
            }

            public JsonNode call(ToolContext ctx, JsonNode args) {
                throw new AssertionError("the kernel calls callAsync");
            }

            @Override
            public java.util.concurrent.CompletionStage<JsonNode> callAsync(ToolContext ctx, JsonNode args) {
                java.util.concurrent.CompletableFuture<JsonNode> f = new java.util.concurrent.CompletableFuture<>();
                started.add(f);
                return f;
            }
        }, "test");
        // more calls than one owner may hold I/O threads: a tool that held its thread would start only a few
        int n = k.tools.ioThreadsPerOwner() * 3 + 1;
        List<Long> pids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) pids.add(k.spawn(SpawnSpec.of("onecall", Args.of("syscall", "test.later", "args", Args.none()))));
        KernelHarness.await("all " + n + " calls started at once", () -> started.size() == n);
        k.kill(pids.get(0));
        KernelHarness.await("the killed process's call cancelled", () -> started.stream().filter(f -> f.isCancelled()).count() == 1);
        for (var f : started) f.complete(k.json.createObjectNode().put("answer", 42));
        for (long pid : pids.subList(1, n)) {
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertTrue(s.reason().contains("42"), s.reason());
        }
    }

    @Test
    void aProcessTreeSharesItsRootsTokenQuota() throws Exception {
        // each call spends 100 tokens; alone, every child could spend its (inherited) 1000
        k.addTool(tool(ToolDescriptor.builder("test.think").capabilities("tool:test.think").build(), (c, a) -> {
            c.chargeTokens(100);
            return k.json.createObjectNode();
        }), "test");
        k.addProgram(TestPrograms.looping("thinker", "test.think", Args.none()), "test");
        k.addProgram(TestPrograms.program("spawner", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 5),
                (st, last) -> st.n() < st.limit()
                        ? Step.call(new TestPrograms.Count(st.n() + 1, st.limit()), "proc.spawn", Args.of("program", "thinker"))
                        : Step.call(st, "proc.sleep", Args.of("ms", 60_000))), "test");
        long root = k.spawn(new SpawnSpec("spawner", null, "alice", 0, List.of("proc:spawn", "tool:test.think"),
                Quotas.NONE.withTokens(1000)));
        KernelHarness.await("five children", () -> h.info(root).children().size() == 5);
        long spent = 0;
        int stoppedByTheTree = 0;
        for (long child : h.info(root).children()) {
            ExitStatus s = k.awaitExit(child).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ProcessState.KILLED, s.state(), s.reason());
            // the tree's quota, or (a child that alone spent the whole 1000 before the others began) its own
            assertTrue(s.reason().startsWith("EQUOTA"), s.reason());
            if (s.reason().contains("process tree of pid " + root)) stoppedByTheTree++;
            spent += h.info(child).usage().tokens();
        }
        assertTrue(spent <= 1000 + 5 * 100, "the tree spent " + spent + " tokens of a 1000-token quota (each child's last call overshoots)");
        assertTrue(stoppedByTheTree >= 4, "all but at most one child were stopped by the tree's quota: " + stoppedByTheTree);
        k.kill(root);
    }

    @Test
    void aChildGivenTighterQuotasHasItsOwnBudgetUnderItsParents() {
        TreeBudget root = TreeBudget.of(1, Quotas.NONE.withCpuNanos(1000), null);
        assertSame(root, TreeBudget.of(2, Quotas.NONE.withCpuNanos(1000), root), "same quotas: the parent's budget");
        TreeBudget tight = TreeBudget.of(3, Quotas.NONE.withCpuNanos(300), root);
        assertNotSame(root, tight);
        assertNull(tight.chargeCpu(250));
        assertSame(tight, tight.chargeCpu(100), "over its own 300");
        assertEquals(350, root.cpu.get(), "and counted in the budget above");
        assertSame(root, TreeBudget.of(4, Quotas.NONE.withCpuNanos(900), root).chargeCpu(700), "over the root's 1000");
        assertNull(TreeBudget.of(5, Quotas.NONE, null), "nothing limits it: no budget");
        java.util.Map<Long, TreeBudget> known = new java.util.HashMap<>();
        TreeBudget back = TreeBudget.restore(tight.chain(), known);
        assertEquals(3, back.pid);
        assertEquals(350, back.cpu.get());
        assertSame(known.get(1L), back.parent);
        assertEquals(1050, back.parent.cpu.get());
    }

    @Test
    void aStepThatThrowsEndsOnlyItsProcess() throws Exception {
        k.addProgram(TestPrograms.program("crasher", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                (s, last) -> {
                    throw new IllegalStateException("bug in agent");
                }), "test");
        long bystander = k.spawn(SpawnSpec.of("yielder", Args.of("limit", 100)));
        long pid = k.spawn(SpawnSpec.of("crasher", null));
        ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ProcessState.KILLED, s.state());
        assertTrue(s.reason().contains("bug in agent"), s.reason());
        assertEquals(0, k.awaitExit(bystander).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
    }

    @Test
    void aStepThatLoopsIsEndedByTheWatchdogAndItsWorkerReplaced() throws Exception {
        try (KernelHarness fast = new KernelHarness(KernelSettings.defaults(null).withWorkers(1).withStepTimeoutMillis(200))) {
            fast.kernel.addProgram(TestPrograms.looping("yielder", "proc.yield", null), "test");
            fast.kernel.addProgram(TestPrograms.program("spinner", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (s, last) -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            Thread.onSpinWait();
                        }
                        return org.agentos.kernel.api.program.Step.exit(s, 0);
                    }), "test");
            long spinner = fast.kernel.spawn(SpawnSpec.of("spinner", null));
            ExitStatus s = fast.kernel.awaitExit(spinner).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ProcessState.KILLED, s.state());
            assertTrue(s.reason().startsWith("watchdog"), s.reason());
            // The only worker was stuck; its replacement runs everyone else.
            long after = fast.kernel.spawn(SpawnSpec.of("yielder", Args.of("limit", 10)));
            assertEquals(0, fast.kernel.awaitExit(after).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
        }
    }

    @Test
    void everySyscallIsAuditedWithItsOutcomeAndRecordedResult() throws Exception {
        assertEquals(0, oneCall("clock.now", Args.none(), null).code());
        AuditRecord r = k.read(new AuditQuery(0, "clock.now", null, 1)).get(0);
        assertEquals(AuditRecord.SYSCALL, r.kind());
        assertEquals("ok", r.outcome());
        assertTrue(r.result().has("millis"), "a recorded syscall's result is journaled for replay");
    }

    @Test
    void callOnBehalfOfAProcessIsMediatedAndAccounted() throws Exception {
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of(), null));
        SyscallResult r = k.call(pid, "proc.spawn", Args.of("program", "yielder"));
        assertEquals(Errno.EPERM, r.errno());
        assertEquals(Errno.EINVAL, k.call(pid, "proc.sleep", Args.of("ms", 1)).errno());
        assertTrue(k.call(pid, "random.int", Args.of("bound", 10)).value().path("value").asInt() < 10);
        assertEquals(Errno.ESRCH, k.call(424242, "proc.yield", null).errno());
        assertFalse(h.info(pid).usage().syscallsByName().isEmpty());
    }

    /** A tool that waits until interrupted (or a minute), and says whether it was interrupted. */
    private static Tool stuck(String name, ResourceClass rc, Duration timeout, CountDownLatch entered, CountDownLatch interrupted) {
        return tool(ToolDescriptor.builder(name).resourceClass(rc).timeout(timeout).build(), (c, a) -> {
            entered.countDown();
            try {
                new CountDownLatch(1).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new SyscallException(Errno.EINTR, "interrupted");
            }
            return Args.of("ok", true);
        });
    }

    @Test
    void aToolUninstalledWhileACallHangsEndsThatCallAtOnceAndInterruptsIt() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Tool t = stuck("test.hanging", ResourceClass.IO, Duration.ofMinutes(5), entered, interrupted);
        k.addTool(t, "test");
        long pid = k.spawn(SpawnSpec.of("onecall", Args.of("syscall", "test.hanging", "args", Args.none())));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        k.removeTool(t);
        ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS); // not the 5-minute timeout
        assertTrue(s.reason().startsWith("ENOSYS") && s.reason().contains("uninstalled"), s.reason());
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the tool's thread is interrupted");
        AuditRecord removal = k.read(new AuditQuery(0, "tool.remove", null, 1)).get(0);
        assertTrue(removal.detail().contains("1 calls in flight ended with ENOSYS"), removal.detail());
    }

    @Test
    void aCallMadeOutsideTheProgramRunsAnIoToolWithinItsTimeout() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        k.addTool(stuck("test.slow", ResourceClass.IO, Duration.ofMillis(200), entered, interrupted), "test");
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of(), null));
        SyscallResult r = k.call(pid, "test.slow", Args.none(), "org.example.caller");
        assertEquals(Errno.ETIMEDOUT, r.errno(), r.toString());
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the timed-out tool is interrupted");
    }

    @Test
    void aCallMadeOutsideTheProgramEndsWithEnosysWhenItsToolIsUninstalled() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Tool t = stuck("test.gone", ResourceClass.NET, Duration.ofMinutes(5), entered, interrupted);
        k.addTool(t, "test");
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of(), null));
        java.util.concurrent.CompletableFuture<SyscallResult> r = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> k.call(pid, "test.gone", Args.none(), "org.example.caller"));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        k.removeTool(t);
        assertEquals(Errno.ENOSYS, r.get(10, TimeUnit.SECONDS).errno());
    }

    @Test
    void aCallThroughAGatewayIsAuditedWithItsBundle() throws Exception {
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of(), null));
        assertTrue(k.call(pid, "random.int", Args.of("bound", 6), "org.example.caller").isOk());
        AuditRecord r = k.read(new AuditQuery(pid, "random.int", null, 1)).get(0);
        assertEquals("via org.example.caller", r.detail());
    }

    @Test
    void toolListShowsTheTableAndWhatTheCallerMayCall() throws Exception {
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of("proc:kill"), null));
        JsonNode list = k.call(pid, "tool.list", Args.of("prefix", "proc.")).value();
        assertTrue(list.get("count").asInt() >= 5, list.toString());
        for (JsonNode t : list.get("tools")) {
            assertTrue(t.get("name").asText().startsWith("proc."), t.toString());
            if (t.get("name").asText().equals("proc.spawn")) assertFalse(t.get("permitted").asBoolean());
            if (t.get("name").asText().equals("proc.kill")) assertTrue(t.get("permitted").asBoolean());
        }
        JsonNode permitted = k.call(pid, "tool.list", Args.of("prefix", "proc.", "permittedOnly", true)).value();
        for (JsonNode t : permitted.get("tools")) assertTrue(t.get("permitted").asBoolean(), t.toString());
        assertTrue(permitted.get("count").asInt() < list.get("count").asInt());
    }

    @Test
    void toolDescribeGivesTheSchemasAndCapabilitiesOrEnoent() throws Exception {
        long pid = k.spawn(new SpawnSpec("sleeper", null, null, 0, List.of(), null));
        JsonNode d = k.call(pid, "tool.describe", Args.of("name", "proc.spawn")).value();
        assertEquals("proc:spawn", d.get("capabilities").get(0).asText());
        assertEquals("kernel", d.get("provider").asText());
        assertTrue(d.get("args").get("required").toString().contains("program"), d.toString());
        assertFalse(d.get("permitted").asBoolean());
        SyscallResult missing = k.call(pid, "tool.describe", Args.of("name", "no.such"));
        assertEquals(Errno.ENOENT, missing.errno());
        assertEquals(Errno.EINVAL, k.call(pid, "tool.describe", Args.none()).errno());
    }
}
