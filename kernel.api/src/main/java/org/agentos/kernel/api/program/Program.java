package org.agentos.kernel.api.program;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * A steppable program: the code a process runs. Register an implementation as an OSGi service;
 * the kernel finds it by {@link #name()}. The kernel drives it one step at a time:
 * {@code step(state, lastResult) -> next syscall | exit}. The state is a Jackson-serializable
 * value (a record is best) and the only thing the process remembers between steps: the kernel
 * persists it, which is how processes survive a restart.
 *
 * <p>A step must be short and must not block; anything that waits is a syscall. A step that
 * throws, or runs past the kernel's watchdog limit, ends its process (and only its process).
 *
 * @param <S> the state type
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Program<S> {

    /** Registered name, as given to {@code agent:spawn}, e.g. {@code counter}. */
    String name();

    /** The state's class, so the kernel can store and restore it with Jackson. */
    Class<S> stateType();

    /** One line for {@code agent:programs}. */
    default String description() {
        return "";
    }

    /**
     * The initial state from the spawn arguments.
     *
     * @throws IllegalArgumentException when the arguments are wrong; spawn fails with
     *                                  {@code EINVAL} and this message
     */
    S init(JsonNode args);

    /**
     * One step. {@code last} is the result of the syscall the previous step made, or {@code null}
     * on the first step (and after a restart that interrupted nothing).
     */
    Step<S> step(S state, SyscallResult last);

    /**
     * One step, with a {@link StepContext} through which the step may make calls that complete
     * without waiting before it returns. The kernel calls this one; the default ignores the
     * context and calls {@link #step(Object, SyscallResult)}.
     */
    default Step<S> step(S state, SyscallResult last, StepContext context) {
        return step(state, last);
    }

    /**
     * A terminate request arrived (it is catchable, unlike kill). The default exits with code
     * 143, as a Unix process does on SIGTERM; a program may instead clean up first and exit later.
     */
    default Step<S> onTerminate(S state) {
        return Step.exit(state, 143, "terminated");
    }

    /**
     * A user signal ({@code proc.signal}: usr1, usr2, hup, int) arrived; it is handled before the
     * process's next step, after the call it was waiting in (a sleep, a receive) ended with
     * {@code EINTR}. Return the new state, which the next {@link #step} then gets with the last
     * result; or null, the default, to leave the state alone and find the signal in the process's
     * mailbox as {@code {"event":"signal","signal":...,"from":pid,"payload":...}}.
     */
    default S onSignal(S state, String signal, JsonNode payload) {
        return null;
    }
}
