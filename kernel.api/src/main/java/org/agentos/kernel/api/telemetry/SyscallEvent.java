package org.agentos.kernel.api.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * A syscall that ended, as a {@link SyscallObserver} hears of it.
 *
 * @param pid             the calling process
 * @param owner           its owner
 * @param program         its program
 * @param processStartMillis when the process started (epoch milliseconds): where a tracer begins its span
 * @param name            the syscall
 * @param resourceClass   what it spends ({@code CPU}, {@code IO}, {@code NET}, {@code LLM}); null for an unknown name
 * @param args            its arguments (not to be changed)
 * @param result          its result or errno (not to be changed)
 * @param startEpochNanos when it began, nanoseconds since the epoch
 * @param durationNanos   how long it took
 * @param via             the bundle whose syscall gateway made it, or null (the process itself, the console)
 */
public record SyscallEvent(long pid, String owner, String program, long processStartMillis, String name,
                           String resourceClass, JsonNode args, SyscallResult result, long startEpochNanos,
                           long durationNanos, String via) {}
