package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whoever makes a call, a program in its step, a bundle through the gateway or an operator at
 * the console, it is checked and charged the same way: only how the caller waits differs.
 */
class OneMediationPathTest {
    /** Where a call comes from. */
    enum Caller { PROGRAM, GATEWAY, CONSOLE }

    /** A call's outcome: its errno (null when it succeeded) and what the process ended as, if it did. */
    record Outcome(Errno errno, String message, ProcessState ended) {}

    private KernelHarness h;
    private Kernel k;
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final AtomicInteger llmInFlight = new AtomicInteger();
    private final AtomicInteger llmMostAtOnce = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.addProgram(TestPrograms.oneCall(), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
        k.addTool(tool(ToolDescriptor.builder("test.echo").args(k.json.readTree(
                "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}"))
                .capabilities("echo:{text}").resourceClass(ResourceClass.IO).build(), (c, a) -> a), "test");
        k.addTool(tool(ToolDescriptor.builder("test.flaky").resourceClass(ResourceClass.IO).idempotent(true).build(), (c, a) -> {
            if (flakyCalls.incrementAndGet() % 3 != 0) throw new SyscallException(Errno.EAGAIN, "not yet");
            return k.json.createObjectNode().put("after", flakyCalls.get());
        }), "test");
        k.addTool(tool(ToolDescriptor.builder("test.broken").resourceClass(ResourceClass.IO).build(), (c, a) -> {
            throw new IllegalStateException("bug in the tool");
        }), "test");
        k.addTool(tool(ToolDescriptor.builder("test.slow").resourceClass(ResourceClass.IO).timeout(Duration.ofMillis(100)).build(),
                (c, a) -> {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return a;
                }), "test");
        k.addTool(tool(ToolDescriptor.builder("test.llm").resourceClass(ResourceClass.LLM).build(), (c, a) -> {
            int now = llmInFlight.incrementAndGet();
            llmMostAtOnce.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                llmInFlight.decrementAndGet();
            }
            return a;
        }), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /** One call of {@code syscall} made by {@code caller} as a process of {@code quotas} holding {@code caps}. */
    private Outcome call(Caller caller, String syscall, JsonNode args, List<String> caps, Quotas quotas) throws Exception {
        if (caller == Caller.PROGRAM) {
            long pid = k.spawn(new SpawnSpec("onecall", Args.of("syscall", syscall, "args", args), "alice", 0, caps, quotas));
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (s.state() == ProcessState.KILLED) return new Outcome(errnoOf(s.reason()), s.reason(), ProcessState.KILLED);
            return s.code() == 0 ? new Outcome(null, s.reason(), null) : new Outcome(errnoOf(s.reason()), s.reason(), null);
        }
        long pid = k.spawn(new SpawnSpec("sleeper", Args.of("ms", 60_000), "alice", 0, caps, quotas));
        h.awaitState(pid, ProcessState.BLOCKED);
        var r = k.call(pid, syscall, args, caller == Caller.GATEWAY ? "org.example.bundle" : "console");
        ProcessState after = k.info(pid).map(i -> i.state()).orElse(null);
        if (after != null && !after.isTerminal()) {
            k.kill(pid);
            after = null;
        }
        return new Outcome(r.isOk() ? null : r.errno(), r.isOk() ? r.value().toString() : r.message(), after);
    }

    /** The errno an exit reason starts with ("EPERM: ...", "EQUOTA: ..."), as onecall and the kernel write it. */
    private static Errno errnoOf(String reason) {
        for (Errno e : Errno.values()) if (reason.startsWith(e.name())) return e;
        return null;
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void argumentsAreCheckedAgainstTheSchema(Caller caller) throws Exception {
        Outcome o = call(caller, "test.echo", Args.of("text", 7), List.of("echo:*"), null);
        assertEquals(Errno.EINVAL, o.errno(), o.message());
        assertTrue(o.message().contains("args.text must be a string"), o.message());
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void capabilitiesFilledFromTheArgumentsAreRequired(Caller caller) throws Exception {
        Outcome o = call(caller, "test.echo", Args.of("text", "secret"), List.of("echo:public"), null);
        assertEquals(Errno.EPERM, o.errno(), o.message());
        assertTrue(o.message().contains("echo:secret"), o.message());
        assertEquals(null, call(caller, "test.echo", Args.of("text", "public"), List.of("echo:public"), null).errno());
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void aProcessPastItsWallTimeIsStoppedAtItsNextCall(Caller caller) throws Exception {
        Quotas wall = Quotas.NONE.withWallMillis(150);
        if (caller == Caller.PROGRAM) {
            // the program's own first call comes after a sleep that outlives its wall time
            k.addProgram(TestPrograms.program("late", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> st.n() == 0 ? org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(1, 0), "proc.sleep",
                            Args.of("ms", 300)) : org.agentos.kernel.api.program.Step.call(st, "test.echo", Args.of("text", "x"))), "test");
            long pid = k.spawn(new SpawnSpec("late", null, "alice", 0, List.of("echo:*"), wall));
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ProcessState.KILLED, s.state());
            assertTrue(s.reason().startsWith("EQUOTA") && s.reason().contains("wall-time"), s.reason());
            return;
        }
        long pid = k.spawn(new SpawnSpec("sleeper", Args.of("ms", 60_000), "alice", 0, List.of("echo:*"), wall));
        Thread.sleep(300);
        var r = k.call(pid, "test.echo", Args.of("text", "x"), caller == Caller.GATEWAY ? "org.example.bundle" : "console");
        assertEquals(Errno.EQUOTA, r.errno(), r.toString());
        assertTrue(r.message().contains("wall-time"), r.message());
        assertEquals(ProcessState.KILLED, h.state(pid), "stopped, as a program past its wall time is");
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void theSyscallQuotaStopsTheProcess(Caller caller) throws Exception {
        // sleeper and onecall each make their one call first; the one after it is over a quota of 1
        Quotas one = Quotas.NONE.withSyscalls(1);
        if (caller == Caller.PROGRAM) {
            k.addProgram(TestPrograms.looping("echoer", "test.echo", Args.of("text", "x")), "test");
            long pid = k.spawn(new SpawnSpec("echoer", Args.of("limit", 5), "alice", 0, List.of("echo:*"), one));
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ProcessState.KILLED, s.state());
            assertTrue(s.reason().startsWith("EQUOTA"), s.reason());
            return;
        }
        Outcome o = call(caller, "test.echo", Args.of("text", "x"), List.of("echo:*"), one);
        assertEquals(Errno.EQUOTA, o.errno(), o.message());
        assertEquals(ProcessState.KILLED, o.ended());
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void anIdempotentToolIsRetriedAfterATransientError(Caller caller) throws Exception {
        Outcome o = call(caller, "test.flaky", Args.none(), null, null);
        assertEquals(null, o.errno(), o.message());
        assertEquals(3, flakyCalls.get(), "two EAGAINs, then the answer");
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void aToolsBugIsEioAndATimeoutIsEtimedout(Caller caller) throws Exception {
        Outcome broken = call(caller, "test.broken", Args.none(), null, null);
        assertEquals(Errno.EIO, broken.errno(), broken.message());
        assertTrue(broken.message().contains("bug in the tool"), broken.message());
        Outcome slow = call(caller, "test.slow", Args.none(), null, null);
        assertEquals(Errno.ETIMEDOUT, slow.errno(), slow.message());
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void llmConcurrencyHoldsForEveryCaller(Caller caller) throws Exception {
        k.setResourceLimits(1, 0, 0);
        List<CompletableFuture<Outcome>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return call(caller, "test.llm", Args.none(), null, null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var c : calls) assertEquals(null, c.get(30, TimeUnit.SECONDS).errno());
        assertEquals(1, llmMostAtOnce.get(), "one call of the provider at a time, as llmConcurrency says");
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void aKernelCallIsToldWhetherItMayParkItsCaller(Caller caller) throws Exception {
        // declared on the table entry, and passed with each call: no thread-local, no name list
        k.syscalls.addParkingKernelCall(ToolDescriptor.builder("test.who").build(),
                (p, a, fromOutside) -> org.agentos.kernel.api.syscall.SyscallResult.ok(
                        k.json.createObjectNode().put("fromOutside", fromOutside)));
        Outcome o = call(caller, "test.who", Args.none(), null, null);
        assertEquals(null, o.errno(), o.message());
        assertTrue(o.message().contains("\"fromOutside\":" + (caller != Caller.PROGRAM)), o.message());
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void aCallThatParksAgainstItsDeclarationIsEioNotAStuckProcess(Caller caller) throws Exception {
        k.syscalls.addKernelCall(ToolDescriptor.builder("test.liar").build(), (p, a) -> null);
        Outcome o = call(caller, "test.liar", Args.none(), null, null);
        assertEquals(Errno.EIO, o.errno(), o.message());
        assertTrue(o.message().contains("declared not to"), o.message());
    }

    @ParameterizedTest
    @EnumSource(value = Caller.class, names = {"GATEWAY", "CONSOLE"}) // a program's proc.sleep: every sleeper here
    void aCallThatOnlyAProgramCanMakeIsEinvalFromOutside(Caller caller) throws Exception {
        Outcome o = call(caller, "proc.sleep", Args.of("ms", 10), null, null);
        assertEquals(Errno.EINVAL, o.errno(), o.message());
        assertTrue(o.message().contains("only be called by the process itself"), o.message());
    }
}
