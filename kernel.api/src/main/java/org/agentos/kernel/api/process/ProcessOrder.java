package org.agentos.kernel.api.process;

/**
 * What a listing is sorted by (then by pid): the columns of {@code agent:ps} and of the web
 * view's process table. Since process API 1.3.
 */
public enum ProcessOrder {
    PID, OWNER, PROGRAM, STATE, STARTED, CPU, STEPS, SYSCALLS, TOKENS;

    /** Whether the key is text (compared as strings) rather than a number. */
    public boolean textual() {
        return this == OWNER || this == PROGRAM || this == STATE;
    }
}
