package org.agentos.kernel.impl.persist;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Lifecycle;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.TreeBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of the process table: a process marks itself dirty when it changes, and every
 * {@code checkpointMillis} the dirty ones go to the {@link ProcStore} with one fsync; at start
 * the table is rebuilt from it, and calls that were in flight are made again.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private final Kernel k;
    /** Null when the kernel keeps no data directory (tests, benchmarks). */
    public final ProcStore store;

    public Checkpoints(Kernel k, ProcStore store) {
        this.k = k;
        this.store = store;
    }

    private final ConcurrentLinkedQueue<Proc> dirty = new ConcurrentLinkedQueue<>();

    public void markDirtyLocked(Proc p) {
        if (store == null || p.dirty) return;
        p.dirty = true;
        dirty.add(p);
    }

    public void checkpointSafely() {
        try {
            checkpoint();
        } catch (RuntimeException e) {
            LOG.error("checkpoint failed; will retry", e);
        }
    }

    /**
     * Writes every process changed before the call to the store with one fsync. Only those: busy
     * processes mark themselves dirty again while it writes, and draining until the queue is empty
     * never ends under load (and {@link #stop} waits for it).
     */
    public synchronized void checkpoint() {
        if (store == null) return;
        List<ProcRecord> batch = new ArrayList<>();
        Proc p;
        for (int left = dirty.size(); left > 0 && (p = dirty.poll()) != null; left--) {
            synchronized (p) {
                p.dirty = false;
                batch.add(p.reaped ? ProcRecord.tombstone(p.pid) : record(p));
            }
            if (batch.size() >= 10_000) {
                store.append(batch);
                batch.clear();
            }
        }
        store.append(batch);
        if (store.wantsCompaction()) {
            List<ProcRecord> live = new ArrayList<>();
            for (Proc q : k.procs.all()) {
                if (q == k.procs.init) continue;
                synchronized (q) {
                    live.add(record(q));
                }
            }
            store.rewrite(live);
        }
    }

    /** {@code p} as its checkpoint records it. Holds p. */
    public ProcRecord record(Proc p) {
        Map<String, Long> byName = new HashMap<>();
        if (p.callNames != null) {
            for (int i = 0; i < p.callNames.length; i++) byName.put(p.callNames[i], p.callCounts[i]);
        }
        SyscallResult last = p.lastResult;
        return new ProcRecord(ProcRecord.VERSION, p.pid, p.ppid, p.owner, p.programName, p.state, p.nice,
                p.caps.patterns(), p.quotas, p.startedMillis, p.cpuNanos, p.steps, p.syscalls, p.bytes, p.tokens,
                byName, k.json.valueToTree(p.programState), last == null ? null : last.value(),
                last == null ? null : last.errno(), last == null || last.isOk() ? null : last.message(),
                p.callName, p.callArgs, p.sleepUntilMillis, p.waitFor, p.pausePending, p.terminatePending, p.exit,
                p.endedMillis, false, p.schedClass == SchedClass.NORMAL ? null : p.schedClass,
                p.budget == null ? null : p.budget.chain(), consistentSeq(p));
    }

    /**
     * The journal position that goes with the process's recorded state. In a step (RUNNING, no
     * call asked for yet) the state is the one the step began with, and calls the step made
     * inside it are already journaled after it: the position the step began at, so that a
     * recovery serves them again when the step runs again. Otherwise (the step has asked for its
     * call, or none runs) the position so far. Holds p.
     */
    public static long consistentSeq(Proc p) {
        return p.state == ProcessState.RUNNING && p.callName == null ? p.stepSeq : p.journalSeq;
    }

    private volatile boolean holdAtRestore;

    /** Whether {@link #restore} holds the processes it restores (a cluster node's: {@link Cluster#HELD_AT_RESTART}). */
    public void holdAtRestore(boolean hold) {
        this.holdAtRestore = hold;
    }

    /** Rebuilds the process table from checkpoint records; interrupted calls are made again. */
    public void restore(Map<Long, ProcRecord> records) {
        long maxPid = 1;
        Map<Long, TreeBudget> budgets = new HashMap<>();
        List<Proc> restored = new ArrayList<>();
        for (ProcRecord r : records.values()) {
            maxPid = Math.max(maxPid, r.pid());
            if (r.pid() == Kernel.INIT_PID) continue;
            CapabilitySet caps;
            try {
                caps = CapabilitySet.of(r.caps() == null ? List.of() : r.caps());
            } catch (SyscallException e) {
                LOG.error("checkpoint of pid {} has bad capabilities; it gets none: {}", r.pid(), e.getMessage());
                caps = CapabilitySet.NONE;
            }
            Proc p = rebuild(r, r.pid(), r.ppid(), r.owner().intern(), caps);
            p.budget = TreeBudget.restore(r.budget(), budgets);
            p.usedMemory = true; // not checkpointed: assume it has memory, so that its exit frees it
            p.exit = r.exit();
            p.endedMillis = r.endedMillis();
            ProcessState s = r.state();
            if (s == ProcessState.PAUSED) {
                p.state = ProcessState.PAUSED;
                if ("proc.stop".equals(p.callName)) {
                    p.waitingOn = Lifecycle.stoppedBecause(p.callArgs == null ? "" : p.callArgs.path("reason").asText());
                }
            } else if (s.isTerminal()) {
                p.state = s;
            } else if (holdAtRestore) { // another node may have restarted it meanwhile: the cluster says
                p.state = ProcessState.PAUSED;
                p.waitingOn = Cluster.HELD_AT_RESTART;
            } else {
                p.state = ProcessState.READY; // RUNNING, BLOCKED, READY: run again from the last checkpoint
            }
            k.procs.put(p);
            restored.add(p);
            // restored processes count against their owner's limit, but are never refused: they exist already
            if (!p.state.isTerminal()) k.procs.countLive(p.owner);
        }
        k.procs.pidsFrom(maxPid + 1);

        k.procs.adopt(restored);
        // Program states come back as JSON trees; run() turns them into typed values once the program is bound.
        for (Proc p : restored) {
            synchronized (p) {
                if (p.state == ProcessState.READY) k.stepper.enqueueLocked(p);
            }
        }
    }

    /**
     * A process as record {@code r} describes it (state, pending call, accounting), under
     * {@code pid}, {@code ppid}, {@code owner} and {@code caps}: at a restart its own, for an
     * image restored the new ones. Its run state, budget and memory flag are the caller's to set.
     */
    public static Proc rebuild(ProcRecord r, long pid, long ppid, String owner, CapabilitySet caps) {
        return rebuild(r, pid, ppid, owner, caps, r.quotas() == null ? Quotas.NONE : r.quotas());
    }

    /** As {@link #rebuild(ProcRecord, long, long, String, CapabilitySet)}, with other quotas. */
    public static Proc rebuild(ProcRecord r, long pid, long ppid, String owner, CapabilitySet caps, Quotas quotas) {
        Proc p = new Proc(pid, ppid, owner, r.program().intern(), r.nice(),
                r.schedClass() == null ? SchedClass.NORMAL : r.schedClass(), caps, quotas, r.startedMillis());
        p.cpuNanos = r.cpuNanos();
        p.steps = r.steps();
        p.syscalls = r.syscalls();
        p.bytes = r.bytes();
        p.tokens = r.tokens();
        if (r.syscallsByName() != null && !r.syscallsByName().isEmpty()) {
            p.callNames = r.syscallsByName().keySet().toArray(new String[0]);
            p.callCounts = new long[p.callNames.length];
            for (int i = 0; i < p.callNames.length; i++) {
                p.callNames[i] = p.callNames[i].intern();
                p.callCounts[i] = r.syscallsByName().get(p.callNames[i]);
            }
        }
        p.programState = r.programState();
        if (r.lastErrno() != null) p.lastResult = SyscallResult.error(r.lastErrno(), r.lastMessage());
        else if (r.lastValue() != null) p.lastResult = SyscallResult.ok(r.lastValue());
        p.callName = r.callName();
        p.callArgs = r.callArgs();
        p.sleepUntilMillis = r.sleepUntilMillis();
        p.journalSeq = r.journalSeq();
        p.waitFor = r.waitFor();
        p.pausePending = r.pausePending();
        p.terminatePending = r.terminatePending();
        return p;
    }
}
