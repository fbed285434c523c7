package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that makes one system call and reports it: {@code {"syscall": "text.stats", "args": {...}}}.
 * It exits 0 with the result's JSON as its reason (cut at 4,000 characters), or 1 with the errno
 * and message. The shortest way to try a tool as an agent, with the agent's own capabilities:
 * {@code agent:spawn -c 'tool:*' call '{"syscall":"json.query", ...}'} then {@code agent:wait}.
 */
@Component(service = Program.class)
public class Caller implements Program<Caller.State> {
    static final int MAX_REASON = 4000;

    public record State(String syscall, JsonNode args, boolean called) {}

    @Override
    public String name() {
        return "call";
    }

    @Override
    public String description() {
        return "makes one syscall and exits with its result; args {syscall, args}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String syscall = Arguments.text(args, "syscall", null);
        if (syscall == null) throw new IllegalArgumentException("syscall is required, e.g. {\"syscall\":\"tool.list\"}");
        JsonNode callArgs = args.get("args");
        if (callArgs != null && !callArgs.isObject()) throw new IllegalArgumentException("args must be a JSON object");
        return new State(syscall, callArgs == null ? Args.none() : callArgs, false);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (!s.called()) return Step.call(new State(s.syscall(), s.args(), true), s.syscall(), s.args());
        if (last == null) return Step.exit(s, 1, "EINTR: the call was interrupted by a restart");
        if (!last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
        String text = last.value().toString();
        return Step.exit(s, 0, text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "..." : text);
    }
}
