package org.agentos.kernel.api.program;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * What a program may do during one of its steps besides computing its next call: make a
 * syscall at once, inside the step, when it completes without waiting. The call is mediated,
 * charged and audited exactly like the call a step ends with (docs/kernel.md, "Mediation");
 * it only saves the trip through the scheduler. A program written as plain code (the agent
 * runtime) makes most of its calls this way.
 *
 * <p>Valid from the moment the kernel calls {@link Program#step(Object, SyscallResult, StepContext)}
 * until that step returns, from whatever thread the program computes its step on; afterwards
 * every call answers {@code null}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface StepContext {

    /** The process this step belongs to. */
    long pid();

    /**
     * Makes {@code name} now if it can complete without its process waiting, and returns its
     * result (an errno result included). Returns {@code null} when it cannot: the call would wait
     * (I/O, a language model, a sleep, a message, a lock), it gives up the CPU
     * ({@code proc.yield}), it is unknown or over a quota (the ordinary path reports that), or
     * the kernel wants the step to end (a pause, a terminate request or a signal is pending, or
     * the step has used its time slice). The program then ends its step with this call as its
     * {@link Step.Call}, and gets the result as the next step's {@code last}.
     */
    SyscallResult callNow(String name, JsonNode args);

    /**
     * Whether this step belongs to a replay ({@code agent:replay}, a fork at a step) and not to
     * the process itself: the same pid, answers from its journal, nothing made. A program that
     * keeps anything per pid outside its state keeps a replay's apart from the process's.
     *
     * @since 1.3
     */
    default boolean replaying() {
        return false;
    }

    /** A context for steps that may make no call now: every call ends the step. */
    StepContext NONE = new StepContext() {
        @Override
        public long pid() {
            return 0;
        }

        @Override
        public SyscallResult callNow(String name, JsonNode args) {
            return null;
        }
    };
}
