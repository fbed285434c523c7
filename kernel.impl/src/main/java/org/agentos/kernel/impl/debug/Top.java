package org.agentos.kernel.impl.debug;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * What {@code agent:top} samples: every live process's counters and the system's header. Two
 * samples make the rates (CPU, syscalls/s, tokens/s); one pass over the process table each.
 */
public final class Top {
    private final Kernel k;

    public Top(Kernel k) {
        this.k = k;
    }

    /** One process's counters at a sample. */
    public record Row(long pid, String owner, String program, ProcessState state, long cpuNanos, long steps, long syscalls,
                      long tokens) {}

    /**
     * One sample of the whole system.
     *
     * @param nanos     when (the HAL's monotonic clock)
     * @param workers   CPU workers, and {@code busy} of them in a step now
     * @param runnable  READY or RUNNING processes; {@code blocked} BLOCKED ones
     * @param memory    the memory governor's level (NORMAL, THROTTLE, PAUSE_IDLE)
     * @param gates     the LLM gates and byte rates, one line each
     */
    public record Sample(long nanos, List<Row> rows, int workers, int busy, int runnable, int blocked, String memory,
                         List<String> gates) {}

    public Sample sample() {
        List<Row> rows = new ArrayList<>();
        int runnable = 0;
        int blocked = 0;
        for (Proc p : k.procs.all()) {
            if (p == k.procs.init) continue;
            synchronized (p) {
                if (p.state.isTerminal()) continue;
                if (p.state == ProcessState.READY || p.state == ProcessState.RUNNING) runnable++;
                else if (p.state == ProcessState.BLOCKED) blocked++;
                rows.add(new Row(p.pid, p.owner, p.programName, p.state, p.cpuNanos, p.steps, p.syscalls, p.tokens));
            }
        }
        return new Sample(k.hal.nanoTime(), rows, k.dispatcher.size(), k.dispatcher.busy(), runnable, blocked,
                k.memory.level().name(), k.resources.summary());
    }
}
