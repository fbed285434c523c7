package org.agentos.kernel.impl.proc;

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
import org.agentos.kernel.impl.ipc.MessageQueue;
import org.agentos.kernel.impl.resource.TokenBucket;
import org.agentos.kernel.impl.syscall.SyscallEntry;

/**
 * A process control block: one entry of the process table. Every mutable field is guarded by the
 * object's monitor; the parent/child links are guarded by the kernel's tree lock. Kept small on
 * purpose (rarely used parts are allocated lazily) because a node holds a million of them.
 */
public final class Proc implements SchedEntity {
    public final long pid;
    public final String owner;
    public final String programName;
    public final int nice;
    public final SchedClass schedClass;
    public final CapabilitySet caps;
    public final Quotas quotas;
    public final long startedMillis;

    // Guarded by the kernel's tree lock.
    public long ppid;
    LinkedHashSet<Proc> children;

    // Guarded by this.
    public ProcessState state = ProcessState.NEW;
    public Object programState;
    public SyscallResult lastResult;
    /** The syscall the process is making; kept until its result arrives so a restart can redo it. */
    public String callName;
    public JsonNode callArgs;
    public boolean callInFlight;
    /** The syscall-table row of the call in flight (null for an unknown syscall). */
    public SyscallEntry callEntry;
    public long callStartNanos;
    public String waitingOn;
    /** Cancels an in-flight call (a timer, an I/O future) when the process is killed or interrupted. */
    public Future<?> cancelCall;
    /** For proc.wait: the child awaited, -1 for any. */
    public long waitFor = Long.MIN_VALUE;
    /** User signals (proc.signal) not yet handled: delivered before the next step, oldest first. */
    public java.util.ArrayDeque<com.fasterxml.jackson.databind.node.ObjectNode> pendingSignals;
    /** What a blocked call waits on (an IPC waiter): a wake-up must name it, so that it cannot complete a later call. */
    public Object blockedOn;
    /** Held through a cut of this process: a second cut waits, so the first one's resume cannot let go of the second's hold. */
    public final Object cutLock = new Object();
    /** At-least-once queues this process received from: on its exit, what it did not ack is delivered again at once. */
    public java.util.Set<MessageQueue> ipcReceivedFrom;
    /** For proc.sleep: wake-up time in epoch milliseconds, kept so a restart resumes the sleep. */
    public long sleepUntilMillis;
    /** Results the call journal holds for this process: its n-th journaled call is {@code journalSeq + 1}. */
    public long journalSeq;
    /**
     * {@code journalSeq} when the step now running began: what goes with {@code programState}
     * while it runs (calls made inside the step are journaled before the step's new state is).
     */
    public long stepSeq;
    /** After a crash, the results it had been given since its checkpoint, served again in order; null when none. */
    public java.util.ArrayDeque<org.agentos.kernel.impl.journal.JournalRecord> redo;
    /** The seq of a result the process waits to be durable before it sees it; 0 when none. */
    public long durableWait;
    /** Tokens and bytes charged before the call in flight, so that its journal record says what it charged. */
    public long tokensAtCall;
    public long bytesAtCall;
    /** Breakpoints, a single step, tracers: null unless someone debugs this process. */
    public org.agentos.kernel.impl.debug.Debugger.ProcDebug debug;
    public boolean queued;
    public boolean pausePending;
    public boolean terminatePending;
    public boolean dirty;
    /** Removed from the table; its next checkpoint record is a tombstone. */
    public boolean reaped;
    /** It made a memory call (or was forked, or restored): its exit must be told to the memory manager. */
    public boolean usedMemory;
    public ExitStatus exit;
    public long endedMillis;
    /** Its owner's usage counters, found at its first step or call. */
    public org.agentos.kernel.impl.telemetry.OwnerCounters ownerCounters;
    CompletableFuture<ExitStatus> exitFuture;

    /** Byte-rate limits, allocated on first use (only when a rate is configured). */
    public Throttle throttle;

    /** A process's byte-rate state: rare, so kept out of the process control block itself. */
    public static final class Throttle {
        public TokenBucket io;
        public TokenBucket net;
        /** HAL nanoTime until which the process waits for its byte rate; 0 = not throttled. */
        public long untilNanos;
        /** Why, for agent:ps ("I/O bytes/s", "memory pressure"). */
        public String reason;
    }

    // Accounting; written by the thread that owns the process at the time (under this).
    public long cpuNanos;
    public long steps;
    public long syscalls;
    public long bytes;
    public long tokens;
    /** What this process and its tree may spend together (CPU, tokens); null when nothing above limits them. */
    public TreeBudget budget;
    /** Calls per syscall name as two parallel arrays: a map would cost ~200 bytes per process. */
    public String[] callNames;
    public long[] callCounts;

    public Proc(long pid, long ppid, String owner, String programName, int nice, SchedClass schedClass, CapabilitySet caps,
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
    public void countSyscall(String name) {
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

    public synchronized Usage usage(long nowMillis) {
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
