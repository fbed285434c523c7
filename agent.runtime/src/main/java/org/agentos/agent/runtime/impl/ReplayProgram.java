package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * An {@link Agent} as a kernel {@link Program}. Its state is its input and history
 * ({@link AgentState}); a step resumes the agent's live run with the result of the call the
 * last step ended with, or, when there is no live run in step with that history (after a
 * restart, an eviction, a fork), starts one that replays the history first. The step ends
 * when the code asks for a call that cannot complete inside it, or returns.
 */
final class ReplayProgram implements Program<AgentState> {
    private final Agent<Object> agent;
    private final LiveRuns runs;
    private final ObjectMapper json;

    @SuppressWarnings("unchecked")
    ReplayProgram(Agent<?> agent, LiveRuns runs, ObjectMapper json) {
        this.agent = (Agent<Object>) agent;
        this.runs = runs;
        this.json = json;
    }

    @Override
    public String name() {
        return agent.name();
    }

    @Override
    public String description() {
        String d = agent.description();
        return d == null || d.isEmpty() ? "an agent written as code" : d;
    }

    @Override
    public Class<AgentState> stateType() {
        return AgentState.class;
    }

    @Override
    public AgentState init(JsonNode args) {
        JsonNode input = args == null ? Args.none() : args;
        String refused = agent.refusesSpawn();
        if (refused != null) throw new IllegalArgumentException(refused);
        try {
            json.convertValue(input, agent.inputType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(agent.name() + " takes " + agent.inputType().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
        return new AgentState(input, History.EMPTY, null, 0, 0);
    }

    @Override
    public Step<AgentState> step(AgentState state, SyscallResult last) {
        return step(state, last, StepContext.NONE);
    }

    @Override
    public Step<AgentState> step(AgentState s, SyscallResult last, StepContext ctx) {
        long pid = ctx.pid();
        boolean answered = s.pending() != null && last != null;
        History h = answered ? s.history().plus(Recorded.of(s.pending(), s.pendingHash(), last)) : s.history();
        LiveRun run = runs.get(pid, ctx.replaying());
        Outcome o;
        try {
            if (run != null && run.agent == agent && answered && run.head() == s.history() && run.resume(h, last, ctx)) {
                o = run.awaitOutcome();
            } else {
                o = runs.start(pid, agent, s.input(), h, ctx).awaitOutcome();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the step of pid " + pid + " was interrupted", e);
        }
        if (o instanceof Outcome.Call c) {
            return Step.call(new AgentState(s.input(), c.history(), c.name(), c.argsHash(), s.generation()), c.name(),
                    c.args());
        }
        if (o instanceof Outcome.Exit x) {
            return Step.exit(new AgentState(s.input(), x.history(), null, 0, s.generation()), x.code(), x.reason());
        }
        if (o instanceof Outcome.Diverged d) {
            // Kept for inspection, never continued: the process stops itself (proc.stop) with the
            // reason, its history as it was. agent:resume replays again, with the code installed
            // by then: a fixed bundle goes on, the same code stops again.
            String reason = d.reason().length() <= MAX_REASON ? d.reason() : d.reason().substring(0, MAX_REASON);
            return Step.call(new AgentState(s.input(), h, null, 0, s.generation()), "proc.stop",
                    json.createObjectNode().put("reason", reason));
        }
        if (o instanceof Outcome.Restart r) {
            // A fresh history; the yield lets the next step start the new run from it.
            return Step.call(new AgentState(r.input(), History.EMPTY, null, 0, s.generation() + 1), "proc.yield", null);
        }
        Outcome.Crash c = (Outcome.Crash) o;
        throw new AgentCrashed(agent.name(), c.cause());
    }

    /** proc.stop takes a reason of at most this many characters. */
    private static final int MAX_REASON = 2000;

    /** The agent's code threw: the process ends as a crash, with the cause logged by the kernel. */
    static final class AgentCrashed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AgentCrashed(String agent, Throwable cause) {
            super(agent + " failed: " + cause, cause);
        }
    }
}
