package org.agentos.kernel.api.syscall;

/** Which resource a tool mainly consumes; the kernel picks the executor and the quota from it. */
public enum ResourceClass {
    /** Short, CPU-bound work: runs inline on the CPU worker that runs the caller's step. */
    CPU,
    /** Disk and local I/O: runs on the I/O executor while the caller is BLOCKED. */
    IO,
    /** Network: runs on the I/O executor while the caller is BLOCKED. */
    NET,
    /** Language-model calls, the scarcest resource: runs on the I/O executor, arbitrated. */
    LLM
}
