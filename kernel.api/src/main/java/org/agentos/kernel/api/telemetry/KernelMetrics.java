package org.agentos.kernel.api.telemetry;

import java.util.List;

/**
 * The kernel's counters, read when someone looks (a metrics scrape, the web view): nothing is
 * pushed and nothing is kept per process beyond what the process table holds. Counters count
 * from the kernel's start; a restart starts them again, as Prometheus expects of a counter.
 */
@org.osgi.annotation.versioning.ProviderType
public interface KernelMetrics {
    /**
     * Every syscall mediated since the kernel started, one entry per name in the syscall table
     * (a tool that left keeps its counts), and one named {@link SyscallMetrics#UNKNOWN} for calls
     * of names that were not in the table, so that a caller cannot make up labels.
     */
    List<SyscallMetrics> syscalls();

    /** The system now: one pass over the process table, the gates, the bound subsystems. */
    SystemMetrics system();

    /**
     * Every live process's counters (init left out): one pass over the process table, a record
     * per process. For rates, take two and subtract; meant for a view someone is looking at,
     * not for every scrape.
     */
    java.util.List<ProcessCounters> processes();
}
