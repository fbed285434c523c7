package org.agentos.agent.runtime.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.Test;

/** Agents as code, driven step by step: calls inside a step, replay, divergence, bounded history, errors. */
class ReplayTest {

    record Count(int n) {}

    /** An agent from a lambda. */
    static <I> Agent<I> agent(String name, Class<I> type, Body<I> body) {
        return new Agent<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<I> inputType() {
                return type;
            }

            @Override
            public String run(Sys sys, I input) throws Exception {
                return body.run(sys, input);
            }
        };
    }

    interface Body<I> {
        String run(Sys sys, I input) throws Exception;
    }

    private static SyscallResult ok(JsonNode v) {
        return SyscallResult.ok(v);
    }

    @Test
    void callsThatCompleteAtOnceStayInsideTheStep() {
        Agent<Count> a = agent("ticker", Count.class, (sys, in) -> {
            int sum = 0;
            for (int i = 0; i < in.n(); i++) sum += sys.call("now.add", "i", i).path("v").asInt();
            sys.call("slow.write", "sum", sum);
            return "sum " + sum;
        });
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("now.add", args -> ok(Args.of("v", args.get("i").asInt())));
            d.calls.put("slow.write", args -> SyscallResult.OK);
            d.spawn(Args.of("n", 5));
            Step<AgentState> first = d.step();
            assertInstanceOf(Step.Call.class, first, "the slow call ends the first step");
            assertEquals("slow.write", ((Step.Call<AgentState>) first).syscall());
            assertEquals(5, d.made("now.add"), "five calls made inside the first step");
            Step.Exit<AgentState> x = d.runToExit();
            assertEquals(0, x.code());
            assertEquals("sum 10", x.reason());
            assertEquals(2, d.steps);
            assertEquals(6, x.state().history().size, "every call is in the history");
        }
    }

    @Test
    void aRestartServesTheRecordedResultsInsteadOfMakingTheCallsAgain() throws Exception {
        Agent<JsonNode> a = agent("writer", JsonNode.class, (sys, in) -> {
            int r = sys.call("now.random").path("v").asInt();
            sys.call("slow.write", "r", r);
            sys.call("slow.wait");
            return "wrote " + r;
        });
        AtomicInteger nextRandom = new AtomicInteger(41);
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("now.random", args -> ok(Args.of("v", nextRandom.incrementAndGet())));
            d.calls.put("slow.write", args -> SyscallResult.OK);
            d.calls.put("slow.wait", args -> SyscallResult.OK);
            d.spawn(null);
            d.step(); // ends with slow.write, which the driver made
            d.step(); // ends with slow.wait
            d.restart();
            Step.Exit<AgentState> x = d.runToExit();
            assertEquals("wrote 42", x.reason(), "the random number the code was given before the crash");
            assertEquals(1, d.made("now.random"));
            assertEquals(1, d.made("slow.write"), "not written twice");
            assertEquals(1, d.made("slow.wait"));
        }
    }

    @Test
    void aRunThatAsksForAnotherCallThanTheRecordedOneIsHeldWithBothNamedUntilResumed() throws Exception {
        AtomicBoolean changed = new AtomicBoolean();
        Agent<JsonNode> a = agent("fickle", JsonNode.class, (sys, in) -> {
            sys.call(changed.get() ? "now.b" : "now.a");
            sys.call("slow.wait");
            return "done";
        });
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("now.a", args -> SyscallResult.OK);
            d.calls.put("now.b", args -> SyscallResult.OK);
            d.calls.put("slow.wait", args -> SyscallResult.OK);
            d.spawn(null);
            d.step();
            changed.set(true); // as if the agent's bundle were updated with other code
            d.restart();
            String reason = d.runToStop();
            assertTrue(reason.contains("replay diverged at call 1 of 2"), reason);
            assertTrue(reason.contains("the history has now.a, the code now asks for now.b"), reason);
            assertEquals(0, d.made("now.b"), "the diverging call is not made");

            d.last = SyscallResult.OK; // agent:resume with the same code: stopped again, nothing made
            assertTrue(d.runToStop().contains("replay diverged at call 1 of 2"));
            assertEquals(0, d.made("now.b"));

            changed.set(false); // the bundle fixed: a resume replays the history and goes on live
            d.last = SyscallResult.OK;
            Step.Exit<AgentState> x = d.runToExit();
            assertEquals(0, x.code(), x.reason());
            assertEquals("done", x.reason());
            assertEquals(1, d.made("now.a"), "served from the history, not made again");
            assertEquals(1, d.made("slow.wait"), "the recorded call is served, not made again");
        }
    }

    @Test
    void otherArgumentsThanRecordedAreADivergenceToo() throws Exception {
        AtomicInteger arg = new AtomicInteger(1);
        Agent<JsonNode> a = agent("args", JsonNode.class, (sys, in) -> {
            sys.call("slow.write", "x", arg.get());
            return "done";
        });
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("slow.write", args -> SyscallResult.OK);
            d.spawn(null);
            d.step();
            arg.set(2);
            d.restart();
            String reason = d.runToStop();
            assertTrue(reason.contains("slow.write with other arguments {\"x\":2}"), reason);
        }
    }

    @Test
    void aFailedCallThrowsItsErrnoIntoTheCodeWhichMayCatchIt() {
        Agent<JsonNode> a = agent("careful", JsonNode.class, (sys, in) -> {
            try {
                sys.call("now.secret");
                return "read it";
            } catch (SyscallFailure f) {
                return "caught " + f.errno() + " from " + f.syscall() + ": " + f.getMessage();
            }
        });
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("now.secret", args -> SyscallResult.error(Errno.EPERM, "now.secret needs capability 'x'"));
            Step.Exit<AgentState> x = d.spawn(null).runToExit();
            assertEquals(0, x.code());
            assertEquals("caught EPERM from now.secret: EPERM: now.secret needs capability 'x'", x.reason());
        }
    }

    @Test
    void anUncaughtFailureEndsTheAgentWithCode1AndItsErrno() {
        Agent<JsonNode> a = agent("careless", JsonNode.class, (sys, in) -> {
            sys.call("slow.read", "path", "/nope");
            return "read it";
        });
        try (StepDriver d = new StepDriver(a)) {
            d.calls.put("slow.read", args -> SyscallResult.error(Errno.ENOENT, "no file /nope"));
            Step.Exit<AgentState> x = d.spawn(null).runToExit();
            assertEquals(1, x.code());
            assertEquals("ENOENT: no file /nope", x.reason());
        }
    }

    @Test
    void anExceptionInTheCodeIsACrashOfItsProcess() {
        Agent<JsonNode> a = agent("buggy", JsonNode.class, (sys, in) -> {
            throw new IllegalStateException("a bug");
        });
        try (StepDriver d = new StepDriver(a)) {
            d.spawn(null);
            RuntimeException e = assertThrows(RuntimeException.class, d::step);
            assertTrue(e.getMessage().contains("buggy failed: java.lang.IllegalStateException: a bug"), e.getMessage());
        }
    }

    @Test
    void aWrongInputFailsTheSpawn() {
        Agent<Count> a = agent("ticker", Count.class, (sys, in) -> "x");
        try (StepDriver d = new StepDriver(a)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.spawn(Args.of("n", "many")));
            assertTrue(e.getMessage().startsWith("ticker takes Count: "), e.getMessage());
        }
    }

    @Test
    void theHistoryIsBoundedAndContinueAsNewStartsAfresh() {
        Agent<JsonNode> forever = agent("forever", JsonNode.class, (sys, in) -> {
            while (true) sys.call("slow.tick");
        });
        try (StepDriver d = new StepDriver(forever, 1, 4, 50)) {
            d.calls.put("slow.tick", args -> SyscallResult.OK);
            Step.Exit<AgentState> x = d.spawn(null).runToExit();
            assertEquals(1, x.code());
            assertTrue(x.reason().contains("sys.continueAsNew"), x.reason());
            assertEquals(50, d.made("slow.tick"));
        }
        Agent<Count> rolling = agent("rolling", Count.class, (sys, in) -> {
            for (int i = 0; i < 10; i++) sys.call("slow.tick");
            if (in.n() < 9) sys.continueAsNew(new Count(in.n() + 1));
            return "rounds " + (in.n() + 1);
        });
        try (StepDriver d = new StepDriver(rolling, 1, 4, 50)) {
            d.calls.put("slow.tick", args -> SyscallResult.OK);
            d.spawn(Args.of("n", 0));
            Step.Exit<AgentState> x = null;
            int most = 0;
            for (int i = 0; i < 1000 && x == null; i++) {
                Step<AgentState> s = d.step();
                most = Math.max(most, s.state().history().size);
                if (s instanceof Step.Exit<AgentState> e) x = e;
            }
            assertEquals("rounds 10", x.reason());
            assertEquals(100, d.made("slow.tick"), "100 calls in ten runs");
            assertTrue(most <= 10, "no run kept more than its own calls: " + most);
            assertEquals(9, x.state().generation());
        }
    }

    @Test
    void agentsEvictedForRoomAreRebuiltByReplay() {
        Agent<JsonNode> a = agent("looper", JsonNode.class, (sys, in) -> {
            int sum = 0;
            for (int i = 0; i < 5; i++) sum += sys.call("slow.next").path("v").asInt();
            return "sum " + sum;
        });
        AtomicInteger counter = new AtomicInteger();
        try (StepDriver one = new StepDriver(a, 1, 1, 1000)) {
            StepDriver two = new StepDriver(a, 2, one);
            for (StepDriver d : new StepDriver[] {one, two}) {
                d.calls.put("slow.next", args -> ok(Args.of("v", counter.incrementAndGet())));
                d.spawn(null);
            }
            Step.Exit<AgentState> x1 = null;
            Step.Exit<AgentState> x2 = null;
            for (int i = 0; i < 100 && (x1 == null || x2 == null); i++) {
                if (x1 == null && one.step() instanceof Step.Exit<AgentState> e) x1 = e;
                if (x2 == null && two.step() instanceof Step.Exit<AgentState> e) x2 = e;
            }
            assertEquals(5, one.made("slow.next"));
            assertEquals(5, two.made("slow.next"));
            assertEquals(55, Integer.parseInt(x1.reason().substring(4)) + Integer.parseInt(x2.reason().substring(4)),
                    "each got the values it was given: 1..10 between them");
            assertTrue(one.runs.evictedCount() >= 8, "one live run for two agents: " + one.runs);
            assertTrue(one.runs.live() <= 1, one.runs.toString());
        }
    }

    @Test
    void theStateGoesThroughJsonAsTheKernelStoresIt() throws Exception {
        StepDriver d = new StepDriver(agent("x", JsonNode.class, (sys, in) -> ""));
        History h = History.EMPTY.plus(Recorded.of("a", 1, SyscallResult.ok(Args.of("v", 1))))
                .plus(Recorded.of("b", 2, SyscallResult.error(Errno.EPERM, "no")));
        AgentState s = new AgentState(Args.of("goal", "g"), h, "c", 3, 1);
        AgentState back = d.json.readValue(d.json.writeValueAsString(s), AgentState.class);
        assertEquals(h.calls(), back.history().calls());
        assertEquals("c", back.pending());
        assertEquals(3, back.pendingHash());
        assertEquals(s.input(), back.input());
        d.close();
    }
}
