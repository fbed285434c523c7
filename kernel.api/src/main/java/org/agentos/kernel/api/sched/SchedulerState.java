package org.agentos.kernel.api.sched;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a scheduler hands to its successor in a live swap: a versioned, implementation-neutral
 * data transfer object (public fields, Jackson-serializable). Every scheduler understands the
 * run-queue order; the virtual runtimes are for fair schedulers and may be ignored by others.
 * The queue is two parallel arrays rather than an object per process: a swap under a hundred
 * thousand runnable processes exports it while no process can be picked.
 */
public class SchedulerState {
    /** The format this class describes. An importer refuses versions it does not know. */
    public static final int VERSION = 1;

    public int version = VERSION;
    /** Name of the exporting scheduler. */
    public String exportedBy;
    /** How many entries of {@link #pids} and {@link #vruntimes} are used. */
    public int count;
    /** The queued processes, in the order the exporter would have picked them. */
    public long[] pids = new long[0];
    /** Each queued process's virtual runtime in nanoseconds, or 0 when the exporter has none. */
    public long[] vruntimes = new long[0];
    /** Virtual runtime per tenant in nanoseconds (fair schedulers), may be empty. */
    public Map<String, Long> ownerVruntime = new LinkedHashMap<>();

    public SchedulerState() {}

    /** A state with room for {@code capacity} processes. */
    public SchedulerState(String exportedBy, int capacity) {
        this.exportedBy = exportedBy;
        this.pids = new long[capacity];
        this.vruntimes = new long[capacity];
    }

    /** Appends a queued process (the arrays grow as needed). */
    public void add(long pid, long vruntime) {
        if (count == pids.length) {
            int n = Math.max(16, count * 2);
            pids = Arrays.copyOf(pids, n);
            vruntimes = Arrays.copyOf(vruntimes, n);
        }
        pids[count] = pid;
        vruntimes[count] = vruntime;
        count++;
    }
}
