package org.agentos.agent.runtime;

/**
 * An agent written as ordinary code: {@link #run} calls the system through {@link Sys} and
 * returns its answer. Register an implementation as an OSGi service ({@code @Component(service =
 * Agent.class)}); the agent runtime makes it a program that {@code agent:spawn} knows by
 * {@link #name()}, for as long as the service is there.
 *
 * <p>The code runs again from its start after a restart (and whenever the runtime rebuilt it
 * from its history), and is served the results it was given before instead of making those
 * calls again: replay. So, given its input and those results, it must ask for the same calls in
 * the same order: read the time and random numbers through {@code sys}, start no threads, do no
 * I/O except through {@code sys}, keep nothing in static or instance fields from one run to the
 * next. A run that asks for another call than the one recorded at that point is stopped with an
 * error naming both (docs/agents.md).
 *
 * @param <I> the input type (a record is best), built by Jackson from the spawn arguments
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Agent<I> {

    /** The program name, as given to {@code agent:spawn}, e.g. {@code researcher}. */
    String name();

    /** One line for {@code agent:programs}. */
    default String description() {
        return "";
    }

    /** The input's class; the spawn arguments are converted to it (a mismatch fails the spawn with EINVAL). */
    Class<I> inputType();

    /**
     * Why a new process of this agent may not start now, or null (the default): a spawn it
     * refuses fails with EINVAL and this reason, before anything runs. Processes already running
     * are not affected. E.g. a workflow whose tools changed since it was compiled.
     *
     * @since 1.1
     */
    default String refusesSpawn() {
        return null;
    }

    /**
     * The agent. What it returns is its process's exit reason, with exit code 0. A
     * {@link SyscallFailure} it does not catch ends the process with code 1 and that errno and
     * message; any other exception is a crash (code 134, logged with its stack).
     */
    String run(Sys sys, I input) throws Exception;
}
