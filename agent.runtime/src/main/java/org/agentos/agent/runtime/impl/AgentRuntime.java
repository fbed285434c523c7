package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.program.Program;

/**
 * The agent runtime without OSGi: turns {@link Agent}s into kernel programs that share one set
 * of live runs. {@link AgentPrograms} runs it in the framework; benchmarks and tests drive it
 * beside a kernel directly.
 */
public final class AgentRuntime implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final LiveRuns runs;

    public AgentRuntime(int maxLiveAgents, long idleMillis, int maxHistory) {
        runs = new LiveRuns(json, maxLiveAgents, idleMillis, maxHistory);
    }

    /** Applies new limits (live runs beyond a lowered bound go as they next wait). */
    public void configure(int maxLiveAgents, long idleMillis, int maxHistory) {
        runs.configure(maxLiveAgents, idleMillis, maxHistory);
    }

    /** The program that runs {@code agent}. */
    public Program<?> program(Agent<?> agent) {
        return new ReplayProgram(agent, runs, json);
    }

    /** Process {@code pid} ended: its live run, if any, gives its thread back. */
    public void processEnded(long pid) {
        runs.processEnded(pid);
    }

    /** Evicts live runs idle for longer than the configured time. */
    public void evictIdle() {
        runs.evictIdle();
    }

    /** Agents live on a thread now. */
    public int live() {
        return runs.live();
    }

    /** Live runs evicted so far (for room or idleness). */
    public long evicted() {
        return runs.evictedCount();
    }

    @Override
    public void close() {
        runs.close();
    }

    @Override
    public String toString() {
        return runs.toString();
    }
}
