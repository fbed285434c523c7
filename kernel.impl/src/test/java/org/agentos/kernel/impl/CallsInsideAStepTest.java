package org.agentos.kernel.impl;

import static org.agentos.kernel.impl.KernelHarness.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** StepContext.callNow: calls a program makes inside its step, mediated like any other, and when the kernel declines. */
class CallsInsideAStepTest {
    private KernelHarness h;
    private Kernel k;
    /** What each callNow of the first step answered, by call. */
    private final Map<String, SyscallResult> answers = new ConcurrentHashMap<>();
    private final AtomicReference<StepContext> kept = new AtomicReference<>();

    /** A program whose first step makes {@code calls} now, then exits. */
    private Program<Integer> program(String name, BiFunction<StepContext, Map<String, SyscallResult>, Void> calls) {
        return new Program<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<Integer> stateType() {
                return Integer.class;
            }

            @Override
            public Integer init(JsonNode args) {
                return 0;
            }

            @Override
            public Step<Integer> step(Integer s, SyscallResult last) {
                throw new AssertionError("the kernel passes a StepContext");
            }

            @Override
            public Step<Integer> step(Integer s, SyscallResult last, StepContext ctx) {
                kept.set(ctx);
                calls.apply(ctx, answers);
                return Step.exit(s, 0, "done");
            }
        };
    }

    @BeforeEach
    void start() {
        // The 5 ms in-step slice is 5 s here: class loading or a GC pause must not decline a call.
        h = KernelHarness.withSlowClock(1000);
        k = h.kernel;
        k.addTool(tool(ToolDescriptor.builder("test.cpu").resourceClass(ResourceClass.CPU).build(),
                (c, a) -> Args.of("pid", c.pid())), "test");
        k.addTool(tool(ToolDescriptor.builder("test.io").resourceClass(ResourceClass.IO).build(),
                (c, a) -> Args.none()), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private ExitStatus run(String program, List<String> caps) throws Exception {
        long pid = k.spawn(new SpawnSpec(program, null, null, 0, caps, null));
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void callsThatCompleteAtOnceAreMadeInsideTheStepAndAudited() throws Exception {
        k.addProgram(program("inline", (ctx, out) -> {
            out.put("clock.now", ctx.callNow("clock.now", Args.none()));
            out.put("test.cpu", ctx.callNow("test.cpu", Args.none()));
            return null;
        }), "test");
        long pid = k.spawn(SpawnSpec.of("inline", null));
        assertEquals(0, k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
        assertTrue(answers.get("clock.now").value().has("millis"), answers.toString());
        assertEquals(pid, answers.get("test.cpu").value().get("pid").asLong(), "the tool saw the process as its caller");
        k.sync();
        List<String> audited = new ArrayList<>();
        for (AuditRecord r : k.read(new AuditQuery(pid, null, null, 50))) {
            if (AuditRecord.SYSCALL.equals(r.kind())) audited.add(r.name() + " " + r.outcome() + " " + r.detail());
        }
        assertEquals(List.of("clock.now ok null", "test.cpu ok null"), audited, "audited as the process's own calls");
        assertEquals(2, k.info(pid).orElseThrow().usage().syscalls(), "and counted");
    }

    @Test
    void capabilitiesAndSchemasHoldInsideTheStep() throws Exception {
        k.addProgram(program("denied", (ctx, out) -> {
            out.put("proc.spawn", ctx.callNow("proc.spawn", Args.of("program", "denied")));
            out.put("random.int", ctx.callNow("random.int", Args.of("bound", "many")));
            return null;
        }), "test");
        run("denied", List.of("clock:*"));
        assertEquals(Errno.EPERM, answers.get("proc.spawn").errno(), answers.toString());
        assertEquals(Errno.EINVAL, answers.get("random.int").errno(), answers.toString());
    }

    @Test
    void callsThatWaitOrYieldOrAreUnknownEndTheStepInstead() throws Exception {
        k.addProgram(program("declined", (ctx, out) -> {
            for (String name : List.of("proc.sleep", "proc.yield", "test.io", "no.such.call", "mem.get")) {
                SyscallResult r = ctx.callNow(name, Args.of("ms", 1));
                out.put(name, r == null ? SyscallResult.error(Errno.EAGAIN, "declined") : r);
            }
            return null;
        }), "test");
        run("declined", null);
        for (String name : List.of("proc.sleep", "proc.yield", "test.io", "no.such.call", "mem.get")) {
            assertEquals("declined", answers.get(name).message(), name + " must end the step, not run inside it");
        }
    }

    @Test
    void aContextIsDeadOnceItsStepReturned() throws Exception {
        k.addProgram(program("keeper", (ctx, out) -> null), "test");
        run("keeper", null);
        assertNull(kept.get().callNow("clock.now", Args.none()), "no call on behalf of a step that is over");
    }

    @Test
    void aPendingPauseEndsTheStepAtItsNextCall() throws Exception {
        AtomicReference<Long> self = new AtomicReference<>();
        k.addProgram(program("pausable", (ctx, out) -> {
            try {
                k.pause(ctx.pid()); // as an operator would, while the step runs
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            self.set(ctx.pid());
            out.put("after pause", ctx.callNow("clock.now", Args.none()) == null
                    ? SyscallResult.error(Errno.EAGAIN, "declined") : SyscallResult.OK);
            return null;
        }), "test");
        long pid = k.spawn(SpawnSpec.of("pausable", null));
        KernelHarness.await("the step ran", () -> answers.containsKey("after pause"));
        assertEquals("declined", answers.get("after pause").message());
        assertEquals(pid, self.get());
    }
}
