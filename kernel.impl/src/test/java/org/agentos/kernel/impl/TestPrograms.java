package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;

/** Small programs for kernel tests, built from lambdas. */
final class TestPrograms {
    private TestPrograms() {}

    record Count(long n, long limit) {}

    static <S> Program<S> program(String name, Class<S> type, Function<JsonNode, S> init,
                                  BiFunction<S, SyscallResult, Step<S>> step) {
        return new Program<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<S> stateType() {
                return type;
            }

            @Override
            public S init(JsonNode args) {
                return init.apply(args);
            }

            @Override
            public Step<S> step(S state, SyscallResult last) {
                return step.apply(state, last);
            }
        };
    }

    /** Makes {@code limit} calls of {@code syscall} (0 = for ever), then exits 0. */
    static Program<Count> looping(String name, String syscall, JsonNode args) {
        return program(name, Count.class, a -> new Count(0, a.path("limit").asLong(0)),
                (s, last) -> s.limit() > 0 && s.n() >= s.limit() ? Step.exit(s, 0)
                        : Step.call(new Count(s.n() + 1, s.limit()), syscall, args));
    }

    /** Sleeps {@code ms} (default 60 s), then exits 0. */
    static Program<Count> sleeper() {
        return program("sleeper", Count.class, a -> new Count(0, a.path("ms").asLong(60_000)),
                (s, last) -> s.n() > 0 ? Step.exit(s, 0, "slept: " + last)
                        : Step.call(new Count(1, s.limit()), "proc.sleep", Args.of("ms", s.limit())));
    }

    /** Makes one call {@code syscall} with the spawn args' "call" object, then exits with 0 if it succeeded, 1 if not. */
    static Program<JsonNode> oneCall() {
        return program("onecall", JsonNode.class, a -> a,
                (s, last) -> last == null ? Step.call(s, s.path("syscall").asText(), s.path("args"))
                        : Step.exit(s, last.isOk() ? 0 : 1, last.toString()));
    }
}
