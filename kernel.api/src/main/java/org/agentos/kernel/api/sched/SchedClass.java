package org.agentos.kernel.api.sched;

import java.util.Locale;

/**
 * Scheduling class of a process, the first criterion of every scheduler: a READY process of a
 * higher class runs before any process of a lower one, whatever their nice values.
 */
public enum SchedClass {
    /** Runs at the next scheduling decision after it becomes READY (like Linux SCHED_FIFO). */
    REALTIME,
    /** The default: shares the CPU by nice weight and tenant. */
    NORMAL,
    /**
     * Runs only when nothing else is READY (like SCHED_IDLE); the first to be throttled and then
     * paused under memory pressure.
     */
    IDLE;

    /** The lower-case name used on the console and in JSON ({@code realtime}, {@code normal}, {@code idle}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a label, case-insensitively.
     *
     * @throws IllegalArgumentException naming the valid classes
     */
    public static SchedClass parse(String label) {
        for (SchedClass c : values()) {
            if (c.name().equalsIgnoreCase(label)) return c;
        }
        throw new IllegalArgumentException("unknown scheduling class '" + label + "' (realtime, normal, idle)");
    }

    /** The less privileged of the two: a child never runs in a higher class than its parent. */
    public SchedClass atMost(SchedClass limit) {
        return compareTo(limit) >= 0 ? this : limit;
    }
}
