package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that asks a language model {@code calls} times (0 = for ever) through the tool named
 * {@code tool} (default {@code llm.sim}) and exits; a failed call ends it with status 1.
 */
@Component(service = Program.class)
public class LlmAsker implements Program<LlmAsker.State> {

    public record State(long done, long calls, String tool) {}

    @Override
    public String name() {
        return "asker";
    }

    @Override
    public String description() {
        return "calls a language-model tool repeatedly; args {calls (0 = for ever), tool (default llm.sim)}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        return new State(0, Arguments.nonNegative(args, "calls", 1), Arguments.text(args, "tool", "llm.sim"));
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) return Step.exit(s, 1, s.tool() + " failed: " + last);
        if (s.calls() > 0 && s.done() >= s.calls()) return Step.exit(s, 0, s.done() + " answers");
        return Step.call(new State(s.done() + 1, s.calls(), s.tool()), s.tool(),
                Args.of("prompt", "question " + (s.done() + 1)));
    }
}
