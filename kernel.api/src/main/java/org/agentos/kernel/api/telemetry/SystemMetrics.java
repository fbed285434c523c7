package org.agentos.kernel.api.telemetry;

import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.process.ProcessState;

/**
 * The system at one moment. Labels an exporter makes from it are bounded: states, owners
 * (accounts an operator made), gates and subsystems; never a pid.
 *
 * @param processes     processes in the table by state (init left out)
 * @param owners        what each owner's processes used since the kernel started, ended ones included
 * @param workers       CPU workers, and {@code busy} of them in a step now
 * @param memoryLevel   the memory governor's level ({@code NORMAL}, {@code HIGH}, {@code CRITICAL})
 * @param gates         the LLM gates: calls in flight and waiting, per model tool
 * @param swaps         subsystem swaps since the kernel started, per subsystem
 * @param memory        what the bound memory manager holds
 * @param files         what the filesystem holds, or null when there is none
 * @param auditBacklog  audit records accepted and not yet written
 */
public record SystemMetrics(Map<ProcessState, Long> processes, Map<String, Owner> owners, int workers, int busy,
                            String memoryLevel, List<Gate> gates, List<Swaps> swaps, Storage memory, Storage files,
                            long auditBacklog) {
    public SystemMetrics {
        processes = Map.copyOf(processes);
        owners = Map.copyOf(owners);
        gates = List.copyOf(gates);
        swaps = List.copyOf(swaps);
    }

    /**
     * One owner's use: cumulative, but for {@code processes}.
     *
     * @param processes its live processes now
     * @param cpuNanos CPU its processes' steps took
     * @param steps    steps run
     * @param syscalls syscalls made
     * @param tokens   model tokens used
     */
    public record Owner(long processes, long cpuNanos, long steps, long syscalls, long tokens) {}

    /** An LLM gate: {@code limit} calls at once, {@code inFlight} now, {@code waiting} for a slot. */
    public record Gate(String resource, int limit, int inFlight, int waiting) {}

    /**
     * A subsystem's swaps ({@code kernel:swap}).
     *
     * @param subsystem      {@code scheduler}, {@code memory} or {@code hal}
     * @param bound          what is bound now
     * @param count          swaps done
     * @param pauseSeconds   how long processes were held up, summed over them
     * @param lastPauseSeconds the last one's pause
     */
    public record Swaps(String subsystem, String bound, long count, double pauseSeconds, double lastPauseSeconds) {}

    /**
     * What a store holds.
     *
     * @param bytes  bytes stored (the filesystem: live files and the versions kept as their history)
     * @param items  memory spaces, or files
     * @param owners owners holding any
     */
    public record Storage(long bytes, long items, long owners) {}
}
