package org.agentos.kernel.api.syscall;

/** Whether replaying a process must take a tool's result from the journal. */
public enum Determinism {
    /** Same arguments, same result: replay recomputes it. */
    PURE,
    /** The result depends on the world (time, randomness, network): the journal records it. */
    RECORDED
}
