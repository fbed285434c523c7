package org.agentos.kernel.api.program;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import org.agentos.kernel.api.syscall.Args;

/**
 * What one step of a program produced: its next state and either the system call it makes next
 * or its exit. Every step ends at a syscall boundary, which is what makes pause, checkpoint and
 * replay exact.
 *
 * @param <S> the program's state record
 */
public sealed interface Step<S> permits Step.Call, Step.Exit {

    S state();

    /** The program calls {@code syscall} with {@code args}; its result is the next step's input. */
    record Call<S>(S state, String syscall, JsonNode args) implements Step<S> {
        public Call {
            Objects.requireNonNull(syscall, "syscall");
            args = args == null ? Args.none() : args;
        }
    }

    /** The program ends with {@code code} (0 = success) and a reason for people. */
    record Exit<S>(S state, int code, String reason) implements Step<S> {
        public Exit {
            reason = reason == null ? (code == 0 ? "exited" : "exited with code " + code) : reason;
        }
    }

    static <S> Step<S> call(S state, String syscall, JsonNode args) {
        return new Call<>(state, syscall, args);
    }

    static <S> Step<S> call(S state, String syscall) {
        return new Call<>(state, syscall, null);
    }

    static <S> Step<S> exit(S state, int code) {
        return new Exit<>(state, code, null);
    }

    static <S> Step<S> exit(S state, int code, String reason) {
        return new Exit<>(state, code, reason);
    }
}
