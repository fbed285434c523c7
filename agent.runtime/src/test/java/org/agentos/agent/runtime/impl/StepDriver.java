package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * Drives a {@link ReplayProgram} as the kernel's CPU workers do, without a kernel: calls named
 * {@code now.*} complete inside the step, every other call ends it and is made by the driver
 * before the next step. Counts how often each call was really made, and can "restart": the state
 * goes through JSON and the live runs start empty, as after a crash.
 */
final class StepDriver implements AutoCloseable {
    final ObjectMapper json = new ObjectMapper();
    final Map<String, Function<JsonNode, SyscallResult>> calls = new HashMap<>();
    final Map<String, Integer> made = new HashMap<>();
    final List<String> log = new ArrayList<>();
    LiveRuns runs;
    ReplayProgram program;
    AgentState state;
    SyscallResult last;
    int steps;
    private final long pid;
    private final Agent<?> agent;
    private final int maxLive;
    private final int maxHistory;

    StepDriver(Agent<?> agent, long pid, int maxLive, int maxHistory) {
        this.agent = agent;
        this.pid = pid;
        this.maxLive = maxLive;
        this.maxHistory = maxHistory;
        this.runs = new LiveRuns(json, maxLive, 0, maxHistory);
        this.program = new ReplayProgram(agent, runs, json);
    }

    /** A driver for another agent sharing {@code other}'s live runs, as agents of one kernel do. */
    StepDriver(Agent<?> agent, long pid, StepDriver other) {
        this.agent = agent;
        this.pid = pid;
        this.maxLive = other.maxLive;
        this.maxHistory = other.maxHistory;
        this.runs = other.runs;
        this.program = new ReplayProgram(agent, runs, json);
    }

    StepDriver(Agent<?> agent) {
        this(agent, 1, 16, 100_000);
    }

    StepDriver spawn(JsonNode input) {
        state = program.init(input);
        last = null;
        return this;
    }

    /** One step; returns it. A call the step ended with is made before it returns. */
    Step<AgentState> step() {
        StepContext ctx = new StepContext() {
            boolean open = true;

            @Override
            public long pid() {
                return pid;
            }

            @Override
            public SyscallResult callNow(String name, JsonNode args) {
                if (!open || !name.startsWith("now.")) return null;
                return make(name, args);
            }
        };
        Step<AgentState> s = program.step(state, last, ctx);
        steps++;
        state = s.state();
        if (s instanceof Step.Call<AgentState> c) {
            // a stopped process waits for a resume, which the test gives by setting last
            last = c.syscall().equals("proc.stop") ? null : make(c.syscall(), c.args());
        }
        return s;
    }

    /** Steps until the agent exits (at most 10,000 steps). */
    Step.Exit<AgentState> runToExit() {
        for (int i = 0; i < 10_000; i++) {
            Step<AgentState> s = step();
            if (s instanceof Step.Exit<AgentState> x) return x;
            if (s instanceof Step.Call<AgentState> c && c.syscall().equals("proc.stop")) {
                throw new AssertionError("stopped instead of exiting: " + c.args());
            }
        }
        throw new AssertionError("the agent did not exit in 10,000 steps");
    }

    /**
     * Steps until the agent stops itself (proc.stop, which the driver leaves unanswered, as a
     * stopped process waits for agent:resume); returns the reason it gave.
     */
    String runToStop() {
        for (int i = 0; i < 10_000; i++) {
            Step<AgentState> s = step();
            if (s instanceof Step.Exit<AgentState> x) throw new AssertionError("exited instead of stopping: " + x.reason());
            if (s instanceof Step.Call<AgentState> c && c.syscall().equals("proc.stop")) return c.args().path("reason").asText();
        }
        throw new AssertionError("the agent did not stop in 10,000 steps");
    }

    SyscallResult make(String name, JsonNode args) {
        made.merge(name, 1, Integer::sum);
        log.add(name + " " + args);
        Function<JsonNode, SyscallResult> f = calls.get(name);
        return f == null ? SyscallResult.error(Errno.ENOSYS, "no syscall '" + name + "'") : f.apply(args);
    }

    /** A crash and a restart: the state as the kernel stored it, no live run, the pending call's result given again. */
    void restart() throws Exception {
        runs.close();
        state = json.readValue(json.writeValueAsString(state), AgentState.class);
        runs = new LiveRuns(json, maxLive, 0, maxHistory);
        program = new ReplayProgram(agent, runs, json);
    }

    int made(String name) {
        return made.getOrDefault(name, 0);
    }

    @Override
    public void close() {
        runs.close();
    }
}
