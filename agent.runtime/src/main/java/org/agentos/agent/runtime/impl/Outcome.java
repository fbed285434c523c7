package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;

/** How a step of an agent's code ended, as its run hands it to the worker that runs the step. */
sealed interface Outcome {
    /** The history when the step ended. */
    History history();

    /** The code asked for a call that cannot complete inside the step: the step ends with it. */
    record Call(String name, JsonNode args, int argsHash, History history) implements Outcome {}

    /** The code returned (code 0) or let a failure go (1). */
    record Exit(int code, String reason, History history) implements Outcome {}

    /** A replay asked for another call than the history has: the process is held, not continued. */
    record Diverged(String reason, History history) implements Outcome {}

    /** The code threw something other than a syscall failure: a crash of the process. */
    record Crash(Throwable cause, History history) implements Outcome {}

    /** The code asked to start afresh with {@code input}. */
    record Restart(JsonNode input, History history) implements Outcome {}
}
