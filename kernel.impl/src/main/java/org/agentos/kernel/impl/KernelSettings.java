package org.agentos.kernel.impl;

import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's tunables (from ConfigAdmin PID {@code org.agentos.kernel} inside Karaf, or set
 * directly by tests and benchmarks).
 *
 * @param workers             CPU workers; 0 = one per CPU reported by the HAL
 * @param stepTimeoutMillis   watchdog: a step (with its inline syscall) running longer is killed
 * @param checkpointMillis    how often changed processes are checkpointed; 0 = only at shutdown
 * @param zombieRetention     exited children of init kept for inspection before they are reaped
 * @param auditFsync          fsync each group commit of the audit log
 * @param auditSegmentBytes   audit segment size before rotation
 * @param auditSegments       audit segments kept
 * @param defaultCapabilities capabilities of operator-spawned processes that name none
 * @param ioThreads           threads running I/O, network and LLM tools
 * @param retries             retries of idempotent calls that fail with a transient errno
 * @param dataDir             where state lives ({@code ${karaf.data}/agentos}); null = memory only
 * @param llmConcurrency      calls in flight per language-model tool (provider); more callers wait in a fair queue
 * @param ioBytesPerSecond    per-process rate of bytes moved by I/O tools; 0 = unlimited
 * @param netBytesPerSecond   per-process rate of bytes moved by network tools; 0 = unlimited
 * @param bootGraceMillis     after start, a call to a syscall not registered yet waits this long for its bundle
 * @param auditRetentionMillis audit records older than this are deleted (besides the size bound); 0 = by size only
 * @param journalRetentionMillis how long the call journal keeps an ended process's records (for replay)
 */
public record KernelSettings(int workers, long stepTimeoutMillis, long checkpointMillis, int zombieRetention,
                             boolean auditFsync, long auditSegmentBytes, int auditSegments,
                             List<String> defaultCapabilities, int ioThreads, int retries, Path dataDir,
                             int llmConcurrency, long ioBytesPerSecond, long netBytesPerSecond,
                             long bootGraceMillis, long auditRetentionMillis, long journalRetentionMillis) {

    public KernelSettings {
        if (workers < 0) throw new IllegalArgumentException("workers must be >= 0");
        if (stepTimeoutMillis <= 0) throw new IllegalArgumentException("stepTimeoutMillis must be > 0");
        if (checkpointMillis < 0) throw new IllegalArgumentException("checkpointMillis must be >= 0");
        if (zombieRetention < 0) throw new IllegalArgumentException("zombieRetention must be >= 0");
        if (ioThreads <= 0) throw new IllegalArgumentException("ioThreads must be > 0");
        if (retries < 0) throw new IllegalArgumentException("retries must be >= 0");
        if (llmConcurrency <= 0) throw new IllegalArgumentException("llmConcurrency must be > 0");
        if (ioBytesPerSecond < 0 || netBytesPerSecond < 0) throw new IllegalArgumentException("byte rates must be >= 0");
        if (bootGraceMillis < 0) throw new IllegalArgumentException("bootGraceMillis must be >= 0");
        if (auditRetentionMillis < 0) throw new IllegalArgumentException("audit retention must be >= 0");
        if (journalRetentionMillis < 0) throw new IllegalArgumentException("journal retention must be >= 0");
        defaultCapabilities = List.copyOf(defaultCapabilities);
    }

    /** Defaults for a node with its state under {@code dataDir} (null: nothing persisted). */
    public static KernelSettings defaults(Path dataDir) {
        return new KernelSettings(0, 1000, 500, 1000, true, 64L << 20, 16, List.of("proc:*"), 32, 2, dataDir, 4, 0, 0,
                60_000, java.util.concurrent.TimeUnit.DAYS.toMillis(30),
                java.util.concurrent.TimeUnit.DAYS.toMillis(1));
    }

    public KernelSettings withWorkers(int n) {
        return new KernelSettings(n, stepTimeoutMillis, checkpointMillis, zombieRetention, auditFsync,
                auditSegmentBytes, auditSegments, defaultCapabilities, ioThreads, retries, dataDir,
                llmConcurrency, ioBytesPerSecond, netBytesPerSecond, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withStepTimeoutMillis(long ms) {
        return new KernelSettings(workers, ms, checkpointMillis, zombieRetention, auditFsync, auditSegmentBytes,
                auditSegments, defaultCapabilities, ioThreads, retries, dataDir,
                llmConcurrency, ioBytesPerSecond, netBytesPerSecond, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withZombieRetention(int n) {
        return new KernelSettings(workers, stepTimeoutMillis, checkpointMillis, n, auditFsync, auditSegmentBytes,
                auditSegments, defaultCapabilities, ioThreads, retries, dataDir,
                llmConcurrency, ioBytesPerSecond, netBytesPerSecond, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withCheckpointMillis(long ms) {
        return new KernelSettings(workers, stepTimeoutMillis, ms, zombieRetention, auditFsync, auditSegmentBytes,
                auditSegments, defaultCapabilities, ioThreads, retries, dataDir,
                llmConcurrency, ioBytesPerSecond, netBytesPerSecond, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withLlmConcurrency(int n) {
        return new KernelSettings(workers, stepTimeoutMillis, checkpointMillis, zombieRetention, auditFsync,
                auditSegmentBytes, auditSegments, defaultCapabilities, ioThreads, retries, dataDir, n,
                ioBytesPerSecond, netBytesPerSecond, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withByteRates(long io, long net) {
        return new KernelSettings(workers, stepTimeoutMillis, checkpointMillis, zombieRetention, auditFsync,
                auditSegmentBytes, auditSegments, defaultCapabilities, ioThreads, retries, dataDir, llmConcurrency,
                io, net, bootGraceMillis, auditRetentionMillis, journalRetentionMillis);
    }

    public KernelSettings withBootGraceMillis(long ms) {
        return new KernelSettings(workers, stepTimeoutMillis, checkpointMillis, zombieRetention, auditFsync,
                auditSegmentBytes, auditSegments, defaultCapabilities, ioThreads, retries, dataDir, llmConcurrency,
                ioBytesPerSecond, netBytesPerSecond, ms, auditRetentionMillis, journalRetentionMillis);
    }
}
