package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.Usage;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * A process control block: one entry of the process table. Every mutable field is guarded by the
 * object's monitor; the parent/child links are guarded by the kernel's tree lock. Kept small on
 * purpose (rarely used parts are allocated lazily) because a node holds a million of them.
 */
final class Proc implements SchedEntity {
    final long pid;
    final String owner;
    final String programName;
    final int nice;
    final SchedClass schedClass;
    final CapabilitySet caps;
    final Quotas quotas;
    final long startedMillis;

    // Guarded by the kernel's tree lock.
    long ppid;
    LinkedHashSet<Proc> children;

    // Guarded by this.
    ProcessState state = ProcessState.NEW;
    Object programState;
    SyscallResult lastResult;
    /** The syscall the process is making; kept until its result arrives so a restart can redo it. */
    String callName;
    JsonNode callArgs;
    boolean callInFlight;
    /** The syscall-table row of the call in flight (null for an unknown syscall). */
    SyscallEntry callEntry;
    long callStartNanos;
    String waitingOn;
    /** Cancels an in-flight call (a timer, an I/O future) when the process is killed or interrupted. */
    Future<?> cancelCall;
    /** For proc.wait: the child awaited, -1 for any. */
    long waitFor = Long.MIN_VALUE;
    /** User signals (proc.signal) not yet handled: delivered before the next step, oldest first. */
    java.util.ArrayDeque<com.fasterxml.jackson.databind.node.ObjectNode> pendingSignals;
    /** What a blocked call waits on (an IPC waiter): a wake-up must name it, so that it cannot complete a later call. */
    Object blockedOn;
    /** At-least-once queues this process received from: on its exit, what it did not ack is delivered again at once. */
    java.util.Set<MessageQueue> ipcReceivedFrom;
    /** For proc.sleep: wake-up time in epoch milliseconds, kept so a restart resumes the sleep. */
    long sleepUntilMillis;
    boolean queued;
    boolean pausePending;
    boolean terminatePending;
    boolean dirty;
    /** Removed from the table; its next checkpoint record is a tombstone. */
    boolean reaped;
    /** It made a memory call (or was forked, or restored): its exit must be told to the memory manager. */
    boolean usedMemory;
    ExitStatus exit;
    long endedMillis;
    CompletableFuture<ExitStatus> exitFuture;

    /** Byte-rate limits, allocated on first use (only when a rate is configured). */
    Throttle throttle;

    /** A process's byte-rate state: rare, so kept out of the process control block itself. */
    static final class Throttle {
        TokenBucket io;
        TokenBucket net;
        /** HAL nanoTime until which the process waits for its byte rate; 0 = not throttled. */
        long untilNanos;
        /** Why, for agent:ps ("I/O bytes/s", "memory pressure"). */
        String reason;
    }

    // Accounting; written by the thread that owns the process at the time (under this).
    long cpuNanos;
    long steps;
    long syscalls;
    long bytes;
    long tokens;
    /** What this process and its tree may spend together (CPU, tokens); null when nothing above limits them. */
    TreeBudget budget;
    /** Calls per syscall name as two parallel arrays: a map would cost ~200 bytes per process. */
    String[] callNames;
    long[] callCounts;

    Proc(long pid, long ppid, String owner, String programName, int nice, SchedClass schedClass, CapabilitySet caps,
         Quotas quotas, long startedMillis) {
        this.pid = pid;
        this.ppid = ppid;
        this.owner = owner;
        this.programName = programName;
        this.nice = nice;
        this.schedClass = schedClass;
        this.caps = caps;
        this.quotas = quotas;
        this.startedMillis = startedMillis;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public int nice() {
        return nice;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public SchedClass schedClass() {
        return schedClass;
    }

    /** Counts one call of {@code name}. Caller holds this. */
    void countSyscall(String name) {
        syscalls++;
        if (callNames == null) {
            callNames = new String[] {name};
            callCounts = new long[] {1};
            return;
        }
        for (int i = 0; i < callNames.length; i++) {
            // Names come from the syscall table, so the same name is usually the same instance.
            if (callNames[i] == name || callNames[i].equals(name)) {
                callCounts[i]++;
                return;
            }
        }
        int n = callNames.length;
        callNames = java.util.Arrays.copyOf(callNames, n + 1);
        callCounts = java.util.Arrays.copyOf(callCounts, n + 1);
        callNames[n] = name;
        callCounts[n] = 1;
    }

    synchronized Usage usage(long nowMillis) {
        Map<String, Long> byName = new HashMap<>();
        if (callNames != null) {
            for (int i = 0; i < callNames.length; i++) byName.put(callNames[i], callCounts[i]);
        }
        long end = state.isTerminal() ? endedMillis : nowMillis;
        return new Usage(cpuNanos, Math.max(0, end - startedMillis), steps, syscalls, bytes, tokens, byName);
    }

    ProcessInfo info(long nowMillis, List<Long> childPids) {
        Usage usage = usage(nowMillis);
        synchronized (this) {
            return new ProcessInfo(pid, ppid, owner, programName, state, nice, caps.patterns(), quotas, usage,
                    startedMillis, state.isTerminal() || state == ProcessState.RUNNING ? null : waitingOn,
                    pausePending, exit, childPids, schedClass);
        }
    }

    /** Children pids, for ProcessInfo. Caller holds the tree lock. */
    List<Long> childPids() {
        if (children == null) return List.of();
        List<Long> out = new ArrayList<>(children.size());
        for (Proc c : children) out.add(c.pid);
        return out;
    }

    @Override
    public String toString() {
        return "pid " + pid + " (" + programName + ")";
    }
}
