package org.agentos.kernel.api.telemetry;

import org.agentos.kernel.api.process.ProcessState;

/**
 * One live process's counters at a moment: two of them, some seconds apart, make its rates
 * (what {@code agent:top} and the web view's top show).
 *
 * @param cpuNanos CPU its steps took
 * @param steps    steps run
 * @param syscalls syscalls made
 * @param tokens   model tokens used
 */
public record ProcessCounters(long pid, String owner, String program, ProcessState state, long cpuNanos, long steps,
                              long syscalls, long tokens) {}
