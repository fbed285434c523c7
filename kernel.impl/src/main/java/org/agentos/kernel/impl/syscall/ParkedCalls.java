package org.agentos.kernel.impl.syscall;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * How a program's process waits for its call, and how the wait ends: the blocked-call protocol.
 * A call that must wait (a sleep, a full queue, a held lock, an I/O tool, an LLM slot) parks the
 * process with {@link #blockLocked}, noting in {@code blockedOn} what it waits on; whoever ends
 * the wait calls {@link #completeIf} with that token (a timeout, a message, an interrupt, the
 * tool's answer: the first one wins), or {@link #retryCall} to make the call again from the start.
 * Completing audits the call (step 7 of mediation), then the process is READY, PAUSED if a pause
 * came meanwhile, or BLOCKED "throttled" first (byte rate, memory pressure).
 */
public final class ParkedCalls {
    private final Kernel k;

    public ParkedCalls(Kernel k) {
        this.k = k;
    }

    /** The process waits for its call; paused instead if a pause was requested meanwhile. Holds p. */
    public void blockLocked(Proc p, String what) {
        p.waitingOn = what;
        if (p.pausePending) {
            p.pausePending = false;
            p.state = ProcessState.PAUSED;
        } else if (p.state == ProcessState.RUNNING) {
            p.state = ProcessState.BLOCKED;
        }
    }

    /**
     * The call {@code p} made has its result: audit and journal it (in the process's call
     * order, under its lock), then make the process READY, or keep it PAUSED. An {@code EQUOTA}
     * result stops the process.
     */
    public void complete(Proc p, SyscallResult r) {
        completeIf(p, null, r);
    }

    /**
     * As {@link #complete}, but only while {@code p} is still blocked on {@code token} (when not
     * null): false when it ended, was interrupted, or went on to another call, so that the caller
     * can take back what it was handing over (a message).
     */
    public boolean completeIf(Proc p, Object token, SyscallResult r) {
        boolean quota = r.errno() == Errno.EQUOTA;
        synchronized (p) {
            if (p.state.isTerminal() || !p.callInFlight) return false;
            if (token != null && p.blockedOn != token) return false;
            p.blockedOn = null;
            String name = p.callName;
            k.mediator.audit(p, p.callEntry, p.callName, p.callArgs, r, p.callStartNanos, k.hal.nanoTime(), null);
            boolean untilDurable = k.journaling.recordLocked(p, p.callEntry, p.callName, p.callArgs, r,
                    () -> durable(p));
            p.lastResult = r;
            p.callName = null;
            p.callArgs = null;
            p.callEntry = null;
            p.callInFlight = false;
            p.cancelCall = null;
            p.waitingOn = null;
            p.waitFor = Long.MIN_VALUE;
            p.sleepUntilMillis = 0;
            k.checkpoints.markDirtyLocked(p);
            String breakpoint = p.debug == null || quota ? null : k.debugger.atResultLocked(p, name, r);
            if (breakpoint != null) { // stopped before it sees the result; agent:resume goes on
                if (p.state != ProcessState.PAUSED) p.state = ProcessState.PAUSED;
                p.waitingOn = breakpoint;
                p.pausePending = false;
            } else if (untilDurable && !quota) {
                if (p.state == ProcessState.RUNNING || p.state == ProcessState.BLOCKED) {
                    p.state = ProcessState.BLOCKED;
                    p.waitingOn = JOURNAL;
                }
            } else if (!quota && p.state != ProcessState.PAUSED && (p.pausePending || !throttleLocked(p))) {
                waitOverLocked(p);
            }
        }
        if (quota) k.exits.end(p, ProcessState.KILLED, 137, "EQUOTA: " + r.message(), false);
        return true;
    }

    /** What a process waits on while the result it was given is written to the call journal. */
    static final String JOURNAL = "call journal";

    /** The result {@code p} waited for is on disk: it may see it now. */
    private void durable(Proc p) {
        synchronized (p) {
            if (p.state != ProcessState.BLOCKED || p.waitingOn != JOURNAL || p.callInFlight) return;
            p.waitingOn = null;
            if (p.pausePending || !throttleLocked(p)) waitOverLocked(p);
        }
    }

    /**
     * A recovering process is given again, from its journal, the result of the call it asks for
     * (it had been given it before the crash): no call is made, nothing is audited again.
     */
    public void served(Proc p, SyscallResult r) {
        boolean quota = r.errno() == Errno.EQUOTA;
        synchronized (p) {
            if (p.state != ProcessState.RUNNING) return;
            p.lastResult = r;
            p.callName = null;
            p.callArgs = null;
            p.callEntry = null;
            p.sleepUntilMillis = 0;
            p.waitFor = Long.MIN_VALUE;
            k.checkpoints.markDirtyLocked(p);
            if (!quota) waitOverLocked(p);
        }
        if (quota) k.exits.end(p, ProcessState.KILLED, 137, "EQUOTA: " + r.message(), false);
    }

    /**
     * Over its I/O or network byte rate, or low-priority work under memory pressure: {@code p}
     * waits BLOCKED until its bucket is out of debt or the pressure delay has passed, then becomes
     * READY (or PAUSED if a pause came meanwhile). Holds p; true when throttled.
     */
    private boolean throttleLocked(Proc p) {
        if (k.memory.throttles(p)) {
            Proc.Throttle mt = p.throttle == null ? p.throttle = new Proc.Throttle() : p.throttle;
            long until = k.hal.nanoTime() + k.memory.throttleNanos();
            if (until > mt.untilNanos) {
                mt.untilNanos = until;
                mt.reason = "memory pressure";
            }
        }
        Proc.Throttle t = p.throttle;
        if (t == null || t.untilNanos == 0) return false;
        long wait = t.untilNanos - k.hal.nanoTime();
        if (wait <= 0) {
            t.untilNanos = 0;
            return false;
        }
        p.state = ProcessState.BLOCKED;
        p.waitingOn = "throttled: " + t.reason;
        try {
            p.cancelCall = k.timers.schedule(() -> {
                synchronized (p) {
                    if (p.state != ProcessState.BLOCKED || p.callInFlight) return;
                    t.untilNanos = 0;
                    p.cancelCall = null;
                    p.waitingOn = null;
                    waitOverLocked(p);
                }
            }, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            t.untilNanos = 0;
            return false;
        }
        return true;
    }

    /**
     * The call {@code p} is blocked in on {@code token} is to be made again from the start (it
     * waited for a subsystem that was not there): READY with the call held, as after a restart;
     * a paused process makes it when resumed.
     */
    public void retryCall(Proc p, Object token) {
        synchronized (p) {
            if (p.state.isTerminal() || !p.callInFlight || p.blockedOn != token) return;
            p.blockedOn = null;
            p.cancelCall = null;
            p.callInFlight = false;
            p.waitingOn = null;
            k.checkpoints.markDirtyLocked(p);
            if (p.pausePending || p.state == ProcessState.BLOCKED) waitOverLocked(p);
        }
    }

    /** {@code p}'s wait is over: PAUSED if a pause was asked for meanwhile, else READY and queued. Holds p. */
    private void waitOverLocked(Proc p) {
        if (p.pausePending) {
            p.pausePending = false;
            p.state = ProcessState.PAUSED;
        } else {
            p.state = ProcessState.READY;
            k.stepper.enqueueLocked(p);
        }
    }

    /** proc.sleep: blocks {@code p} until {@code untilMillis} (epoch), surviving a restart. */
    SyscallResult sleepUntil(Proc p, long untilMillis) {
        long delay = untilMillis - k.hal.currentTimeMillis();
        if (delay <= 0) return SyscallResult.OK;
        synchronized (p) {
            p.sleepUntilMillis = untilMillis;
            k.parked.blockLocked(p, "proc.sleep");
            try {
                p.cancelCall = k.timers.schedule(() -> k.parked.complete(p, SyscallResult.OK), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                // The kernel is stopping; the checkpoint keeps the wake-up time and the restart resumes the sleep.
            }
        }
        return null;
    }
}
