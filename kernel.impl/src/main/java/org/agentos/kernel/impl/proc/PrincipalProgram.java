package org.agentos.kernel.impl.proc;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * The process behind a console {@code tool:call --as}: it only waits, so that a call made for a
 * user with given capabilities has a real caller (pid, owner, capabilities, quotas, accounting,
 * audit). The console kills it after the call.
 */
public final class PrincipalProgram implements Program<PrincipalProgram.State> {
    static final String NAME = "principal";

    record State(boolean waiting) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public String description() {
        return "waits a day; the caller of console tool:call --as";
    }

    @Override
    public State init(JsonNode args) {
        return new State(false);
    }

    @Override
    public Step<State> step(State state, SyscallResult last) {
        if (state.waiting()) return Step.exit(state, 0, "done waiting");
        return Step.call(new State(true), "proc.sleep", Args.of("ms", 86_400_000L));
    }
}
