package org.agentos.kernel.impl.cpu;

import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.persist.SwapHistory;
import org.agentos.kernel.impl.proc.Proc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound scheduler and its hot swap (export, import, switch, reconcile), with the record of
 * the last scheduler swap and the last HAL swap, kept across restarts ({@link SwapHistory}).
 */
public final class SchedulerSwap {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerSwap.class);

    private final Kernel k;

    public SchedulerSwap(Kernel k) {
        this.k = k;
    }

    /** When this kernel's processes stopped running for a shutdown (wall clock), 0 while they run. */
    public void halted(long millis) {
        if (haltedMillis == 0) haltedMillis = millis;
    }

    /** The scheduler's stall meter while a swap runs, else null: picks and enqueues report their waits to it. */
    StallMeter stall() {
        return swapStall;
    }

    private final Object swapLock = new Object();

    private volatile SwapReport lastSwap;

    /** The last HAL swap (a restart of the kernel on another HAL), or null. */
    private volatile String lastHalSwap;

    /** When this kernel's processes stopped running for a shutdown (wall clock), else 0. */
    private volatile long haltedMillis;

    /**
     * Set while a scheduler swap runs: the longest that one call into a scheduler (a pick, an
     * enqueue) took meanwhile. That is the pause the swap caused: the time a worker could not
     * get a process, or a process could not be queued.
     */
    private volatile StallMeter swapStall;

    /**
     * Binds a scheduler (null: none), by the swap protocol of {@link Scheduler}, arranged like a
     * live migration with pre-copy so that the pause stays short under load:
     * <ol>
     * <li>export the old scheduler's state while it keeps serving (it holds its lock only as long
     *     as a consistent copy takes; ordering the copy is done outside it);
     * <li>import it into the new scheduler while the old one keeps serving; processes it picks or
     *     queues meanwhile are reconciled below;
     * <li>switch: workers pick from the new scheduler from now on;
     * <li>enqueue into the new scheduler every queued process of the process table the import did
     *     not carry over (arrivals since the export, or all when there was no state or the
     *     import failed). It takes each process's lock, so a worker still enqueuing into the old
     *     scheduler finishes first and is seen.
     * </ol>
     * An entry the new scheduler holds for a process that ran meanwhile is stale and the kernel
     * drops it when it comes up ({@link #pick}). The process table stays the truth throughout, so
     * no process is lost whatever the schedulers do. The pause reported is measured where users
     * feel it: the longest any single pick or enqueue waited while the swap ran.
     */
    public SwapReport setScheduler(Scheduler next, String provider) {
        synchronized (swapLock) {
            Scheduler old = scheduler;
            if (old == next && next != null) return new SwapReport(next.name(), next.name(), 0, 0, 0, 0, "already bound");
            long t0 = k.hal.nanoTime();
            StallMeter stall = new StallMeter(k.hal::nanoTime);
            swapStall = stall;
            String fallback = null;
            SchedulerState state = null;
            if (old != null && next != null) {
                try {
                    state = old.exportState();
                    if (state == null) fallback = old.name() + " exports no state";
                } catch (RuntimeException e) {
                    LOG.warn("scheduler {} failed to export its state ({}); rebuilding from the process table", old.name(), e.toString());
                    LOG.debug("export failure", e);
                    fallback = "export failed: " + e.getMessage();
                }
            }
            // Pids fit an int in any realistic run; a larger one is simply enqueued again below.
            java.util.BitSet carried = new java.util.BitSet();
            int imported = 0;
            if (state != null) {
                int[] n = {0};
                try {
                    next.importState(state, pid -> {
                        Proc p = k.procs.get(pid);
                        if (p == null) return null;
                        synchronized (p) {
                            if (!p.queued || p.state != ProcessState.READY) return null;
                        }
                        if (pid < Integer.MAX_VALUE) carried.set((int) pid);
                        n[0]++;
                        return p;
                    });
                    imported = n[0];
                } catch (RuntimeException e) {
                    LOG.warn("scheduler {} refused the state of {} ({}); rebuilding from the process table", next.name(),
                            old.name(), e.getMessage());
                    LOG.debug("import failure", e);
                    fallback = "import failed: " + e.getMessage();
                    carried.clear();
                }
            }
            scheduler = next;
            schedulerProvider = next == null ? null : provider;
            int enqueued = 0;
            if (next != null) {
                for (Proc p : k.procs.all()) {
                    synchronized (p) {
                        if (p.state == ProcessState.READY && p.queued && !(p.pid < Integer.MAX_VALUE && carried.get((int) p.pid))) {
                            next.enqueue(p);
                            enqueued++;
                        }
                    }
                }
                k.wakeAllWorkers();
            }
            k.resources.orderBy(next);
            swapStall = null;
            // Calls that began during the swap and still wait belong to it: the hand-over ends with them.
            long pause = stall.longest(1000);
            long done = k.hal.nanoTime();
            SwapReport report = new SwapReport(old == null ? null : old.name(), next == null ? null : next.name(),
                    imported, enqueued, pause, done - t0, fallback);
            if (old != next) {
                lastSwap = report;
                if (old != null && next != null) k.telemetry.swapped("scheduler", next.name(), pause);
                if (k.started()) saveSwaps();
                k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "sched.swap", AuditRecord.OK, 0,
                        report.toString(), null, null);
                LOG.info("scheduler swap {}", report);
            }
            return report;
        }
    }

    /**
     * Takes over what the previous kernel in this data directory left ({@link SwapHistory}): the
     * scheduler's last swap, and if it ran on another HAL, that HAL swap and how long it held the
     * processes up (from their last step under the old kernel to now, when they run again).
     */
    public void carryOverSwaps(long runningAgain) {
        SwapHistory before = SwapHistory.load(k.settings.dataDir(), k.json);
        SwapReport current = lastSwap;
        if (before.scheduler() != null && (current == null || current.from() == null)) lastSwap = before.scheduler();
        lastHalSwap = before.halSwap();
        if (before.hal() != null && !before.hal().equals(k.hal.name())) {
            lastHalSwap = before.hal() + " -> " + k.hal.name() + ": the kernel restarted on it, " + (k.procs.size() - 1)
                    + " processes restored, " + (before.haltedMillis() > 0
                    ? "paused " + (runningAgain - before.haltedMillis()) + " ms"
                    : "after an unclean stop (pause unknown)");
            k.audit.append(runningAgain, AuditRecord.LIFECYCLE, 0, "root", "hal.swap", AuditRecord.OK, 0, lastHalSwap, null, null);
            LOG.info("hal swap {}", lastHalSwap);
        }
        saveSwaps();
    }

    public void saveSwaps() {
        new SwapHistory(lastSwap, k.hal.name(), haltedMillis, lastHalSwap).save(k.settings.dataDir(), k.json);
    }

    /** The last HAL swap as {@code kernel:subsystems} shows it, or null. */
    public String lastHalSwap() {
        return lastHalSwap;
    }

    public SwapReport lastSwap() {
        return lastSwap;
    }

    private volatile Scheduler scheduler;

    private volatile String schedulerProvider;

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The bundle of the bound scheduler, or null. */
    public String provider() {
        return schedulerProvider;
    }
}
