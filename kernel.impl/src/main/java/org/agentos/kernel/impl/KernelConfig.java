package org.agentos.kernel.impl;

import org.agentos.kernel.impl.proc.ProcessTable;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The kernel's configuration (PID {@code org.agentos.kernel}, {@code etc/org.agentos.kernel.cfg}), with the
 * metatype Karaf's console and the web console show. Most settings apply without a restart.
 */
@ObjectClassDefinition(name = "Agent OS kernel", description = "Process table, CPU workers, syscall mediation and audit.")
public @interface KernelConfig {
    @AttributeDefinition(description = "CPU workers; 0 = one per CPU reported by the HAL")
    int workers() default 0;

    @AttributeDefinition(description = "Watchdog: a step running longer than this (ms) ends its process")
    long stepTimeoutMillis() default 1000;

    @AttributeDefinition(description = "How often changed processes are checkpointed (ms); 0 = only at shutdown")
    long checkpointMillis() default 500;

    @AttributeDefinition(description = "Exited children of init kept for inspection before they are reaped")
    int zombieRetention() default 1000;

    @AttributeDefinition(description = "fsync every group commit of the audit log")
    boolean auditFsync() default true;

    @AttributeDefinition(description = "Audit segment size in MiB before rotation")
    int auditSegmentMiB() default 64;

    @AttributeDefinition(description = "Audit segments kept")
    int auditSegments() default 16;

    @AttributeDefinition(description = "Audit records older than this many days are deleted, whatever the size "
            + "bound leaves; 0 = by size only")
    int auditRetentionDays() default 30;

    @AttributeDefinition(description = "The call journal keeps an ended process's calls and results this many hours "
            + "(for agent:journal and agent:replay); a live process's are kept for as long as it lives")
    int journalRetentionHours() default 24;

    @AttributeDefinition(description = "After the kernel starts, a process calling a syscall whose bundle has not "
            + "registered it yet waits up to this long (ms) before the call fails with ENOSYS")
    long bootGraceMillis() default 60000;

    @AttributeDefinition(description = "Capabilities of operator-spawned processes that name none")
    String[] defaultCapabilities() default {"proc:*"};

    @AttributeDefinition(description = "Threads running I/O, network and LLM tools")
    int ioThreads() default 32;

    @AttributeDefinition(description = "Retries of idempotent calls failing with a transient errno")
    int retries() default 2;

    @AttributeDefinition(description = "Directory of the kernel's state; empty = ${karaf.data}/agentos")
    String dataDir() default "";

    @AttributeDefinition(description = "Calls in flight per language-model tool (provider); further callers wait "
            + "in a queue ordered by the scheduler's weights. Applied without a restart.")
    int llmConcurrency() default 4;

    @AttributeDefinition(description = "Bytes per second each process may move through I/O tools (burst: one "
            + "second's worth); a process over it waits before its next step. 0 = unlimited. Applied without a restart.")
    long ioBytesPerSecond() default 0;

    @AttributeDefinition(description = "Bytes per second each process may move through network tools; 0 = unlimited. "
            + "Applied without a restart.")
    long netBytesPerSecond() default 0;

    @AttributeDefinition(description = "Most live processes one owner may have (spawn and fork beyond it: EAGAIN); "
            + "0 = no limit. Applied without a restart.")
    int maxProcessesPerOwner() default ProcessTable.DEFAULT_MAX_PROCESSES_PER_OWNER;

    @AttributeDefinition(description = "Syscall records one owner may add to the audit log per second (bursts of "
            + "five seconds' worth); beyond it they are counted and written as one audit.suppressed record per second. "
            + "Lifecycle records are never held back. 0 = no limit. Applied without a restart.")
    int auditRecordsPerOwner() default 2000;

    @AttributeDefinition(description = "Pids given from now on are at least this (0: no floor). A cluster node "
            + "sets it to its number times 10^12, so that pids are unique in the cluster (docs/cluster.md). "
            + "Applied without a restart; pids never go down.")
    long pidFloor() default 0;

    @AttributeDefinition(description = "Restore processes held (PAUSED) at a restart until the cluster says whether "
            + "another node took them over while this one was away; set by a cluster node at its first join "
            + "(docs/cluster.md). Read at the next start.")
    boolean recoverHeld() default false;

    @AttributeDefinition(description = "How often memory pressure is checked (ms). Applied without a restart.")
    long memoryPollMillis() default 500;

    @AttributeDefinition(description = "Memory in use (the higher of heap and host, 0..1) at which low-priority "
            + "work is throttled")
    double memoryThrottleAt() default 0.85;

    @AttributeDefinition(description = "Memory in use at which idle-class processes are paused as well")
    double memoryPauseAt() default 0.95;

    @AttributeDefinition(description = "Memory in use below which throttling ends (hysteresis)")
    double memoryRecoverBelow() default 0.75;

    @AttributeDefinition(description = "Under pressure, normal processes this nice or nicer are throttled too")
    int memoryThrottleNice() default 10;

    @AttributeDefinition(description = "How long a throttled process waits before each step (ms)")
    long memoryThrottleMillis() default 100;
}
