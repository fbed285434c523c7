package org.agentos.kernel.impl.proc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.journal.JournalRecord;

/**
 * The end of a process and what follows it: the exit (its call cancelled, its children
 * re-parented to init, its parent told), the exit listeners (queues, memory, the waits for a
 * program or a syscall), proc.wait and reaping.
 */
public final class Exits {
    /** A part that holds something for a process and lets go of it when the process ends. */
    public interface ExitListener {
        /** {@code p} has ended (its state is terminal); called once, not under its lock. */
        void processEnded(Proc p);
    }

    private final Kernel k;
    private final List<ExitListener> listeners = new CopyOnWriteArrayList<>();

    public Exits(Kernel k) {
        this.k = k;
    }

    public void addListener(ExitListener l) {
        listeners.add(l);
    }

    /**
     * A parent that uses its mailbox hears of a child's end there ({@code {"event":"child-exit",...}}),
     * besides proc.wait. A parent without a mailbox is not given one for it.
     */
    private void notifyParentOfExit(Proc child, int code, ProcessState how, String reason) {
        long ppid = child.ppid;
        if (ppid == Kernel.INIT_PID) return;
        ObjectNode note = k.json.createObjectNode().put("event", "child-exit").put("pid", child.pid).put("code", code)
                .put("state", how.name()).put("reason", reason);
        k.ipc.notify(ppid, note);
    }

    /**
     * Ends {@code p} (unless it already ended): records the exit, cancels its call, re-parents its
     * children to init, and tells its parent. Returns false when it had already ended.
     */
    public boolean end(Proc p, ProcessState how, int code, String reason, boolean fromOutside) {
        Future<?> cancel;
        String inFlight = null;
        ExitStatus status = new ExitStatus(code, reason, how);
        CompletableFuture<ExitStatus> waiters;
        synchronized (p) {
            if (p.state.isTerminal()) return false;
            // A RUNNING process's worker drops the step when it returns: the state is no longer RUNNING.
            k.stepper.dequeueLocked(p);
            p.state = how;
            p.exit = status;
            p.endedMillis = k.hal.currentTimeMillis();
            cancel = p.cancelCall;
            if (p.callInFlight) inFlight = p.callName;
            p.callInFlight = false;
            p.cancelCall = null;
            p.callName = null;
            p.callArgs = null;
            p.waitingOn = null;
            p.pausePending = false;
            waiters = p.exitFuture;
            p.exitFuture = null;
            k.checkpoints.markDirtyLocked(p);
        }
        if (p != k.procs.init) k.procs.release(p.owner);
        if (cancel != null) cancel.cancel(false);
        for (ExitListener l : listeners) l.processEnded(p);
        if (k.journaling.on()) k.journal.append(JournalRecord.exit(p.pid, p.endedMillis), null);
        if (inFlight != null) {
            k.audit.append(k.hal.currentTimeMillis(), AuditRecord.SYSCALL, p.pid, p.owner, inFlight,
                    Errno.ECANCELED.name(), 0, "the process ended during the call", null, null);
        }
        k.audit.append(p.endedMillis, AuditRecord.LIFECYCLE, p.pid, p.owner, how == ProcessState.KILLED ? "kill" : "exit",
                AuditRecord.OK, 0, "code " + code + ": " + reason, null, null);
        k.post(Kernel.TOPIC_EXITED, Map.of("pid", p.pid, "ppid", p.ppid, "owner", p.owner, "program", p.programName,
                    "code", code, "state", how.name(), "reason", reason == null ? "" : reason));
            if (reason != null && reason.startsWith("EQUOTA")) {
            k.post(Kernel.TOPIC_QUOTA, Map.of("pid", p.pid, "owner", p.owner, "reason", reason));
        }
        notifyParentOfExit(p, code, how, reason);
        Proc parent;
        List<Proc> orphanZombies = new ArrayList<>();
        List<Proc> toReap = new ArrayList<>();
        Proc wokenParent = null;
        Future<?> parentTimer = null;
        synchronized (k.procs.tree) {
            if (p.children != null) {  // re-parent to init
                for (Proc c : p.children) {
                    c.ppid = Kernel.INIT_PID;
                    if (c.state.isTerminal()) orphanZombies.add(c);
                }
                p.children = null;
            }
            parent = k.procs.get(p.ppid);
            if (parent == null || parent == k.procs.init) {
                orphanZombies.add(p);
            } else {
                synchronized (parent) {
                    if (parent.callInFlight && "proc.wait".equals(parent.callName)
                            && (parent.waitFor == -1 || parent.waitFor == p.pid)) {
                        parent.waitFor = Long.MIN_VALUE; // claimed: a racing timeout or EINTR now backs off
                        parent.children.remove(p);
                        toReap.add(p);
                        wokenParent = parent;
                        parentTimer = parent.cancelCall;
                    }
                }
            }
            for (Proc z : orphanZombies) {
                k.procs.initZombies.addLast(z);
            }
            while (k.procs.initZombies.size() > k.settings.zombieRetention()) {
                toReap.add(k.procs.initZombies.removeFirst());
            }
        }
        for (Proc z : toReap) reap(z);
        if (wokenParent != null) {
            if (parentTimer != null) parentTimer.cancel(false);
            k.parked.complete(wokenParent, SyscallResult.ok(exitJson(p)));
        }
        if (waiters != null) waiters.complete(status);
        return true;
    }

    JsonNode exitJson(Proc child) {
        ExitStatus x = child.exit;
        return k.json.createObjectNode().put("pid", child.pid).put("code", x.code()).put("reason", x.reason())
                .put("state", x.state().name());
    }

    /** Removes an ended process from the table for good. */
    void reap(Proc z) {
        if (k.procs.remove(z)) {
            synchronized (z) {
                z.reaped = true;
                k.checkpoints.markDirtyLocked(z);
            }
        }
    }

    /**
     * proc.wait: reaps an ended child at once, or blocks {@code p} until one ends. {@code pid} -1
     * means any child. Returns null when the caller blocked.
     */
    public SyscallResult waitChild(Proc p, long pid, long timeoutMillis) throws SyscallException {
        Proc zombie = null;
        synchronized (k.procs.tree) {
            if (p.children == null || p.children.isEmpty()) {
                throw new SyscallException(Errno.ECHILD, "pid " + p.pid + " has no children to wait for");
            }
            if (pid == -1) {
                for (Proc c : p.children) {
                    if (c.state.isTerminal()) {
                        zombie = c;
                        break;
                    }
                }
            } else {
                Proc c = k.procs.get(pid);
                if (c == null || !p.children.contains(c)) {
                    throw new SyscallException(Errno.ECHILD, "process " + pid + " is not a child of pid " + p.pid);
                }
                if (c.state.isTerminal()) zombie = c;
            }
            if (zombie != null) {
                p.children.remove(zombie);
            } else {
                synchronized (p) {
                    p.waitFor = pid;
                    k.parked.blockLocked(p, "proc.wait");
                    if (timeoutMillis > 0) {
                        p.cancelCall = k.timers.schedule(() -> {
                            if (claimWait(p)) {
                                k.parked.complete(p, SyscallResult.error(Errno.ETIMEDOUT, "no child ended within " + timeoutMillis + " ms"));
                            }
                        }, timeoutMillis, TimeUnit.MILLISECONDS);
                    }
                }
            }
        }
        if (zombie == null) return null;
        reap(zombie);
        return SyscallResult.ok(exitJson(zombie));
    }

    /** Takes a blocked proc.wait away from child exits (for a timeout or an interrupt); false if a child won. */
    private boolean claimWait(Proc p) {
        synchronized (p) {
            if (!p.callInFlight || p.waitFor == Long.MIN_VALUE) return false;
            p.waitFor = Long.MIN_VALUE;
            return true;
        }
    }
}
