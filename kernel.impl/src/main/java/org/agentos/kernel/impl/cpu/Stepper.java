package org.agentos.kernel.impl.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.Programs;
import org.agentos.kernel.impl.proc.TreeBudget;
import org.agentos.kernel.impl.syscall.CallJournaling;
import org.agentos.kernel.impl.syscall.SyscallEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a CPU worker does ({@link Dispatcher}): picks a READY process off the bound scheduler,
 * runs one step of its program, charges the CPU it used, and hands the syscall the step asked
 * for to the {@link Mediator} (or ends the process when the step exits or fails). The run queue
 * is the scheduler's; a process is on it while {@code queued}, which only this class changes.
 */
public final class Stepper {
    private static final Logger LOG = LoggerFactory.getLogger(Stepper.class);

    private final Kernel k;

    public Stepper(Kernel k) {
        this.k = k;
    }

    public void enqueueLocked(Proc p) {
        if (p.queued) return;
        p.queued = true;
        Scheduler s = k.schedulers.scheduler();
        if (s != null) {
            StallMeter stall = k.schedulers.stall();
            if (stall == null) {
                s.enqueue(p);
            } else {
                long t0 = stall.begin();
                s.enqueue(p);
                stall.end(t0);
            }
            k.dispatcher.signalWork();
        }
    }

    public void dequeueLocked(Proc p) {
        if (!p.queued) return;
        p.queued = false;
        Scheduler s = k.schedulers.scheduler();
        if (s != null) s.remove(p);
    }

    /** The next process to run, off the scheduler, RUNNING now; null when none is ready. */
    public Proc pick() {
        StallMeter stall = k.schedulers.stall();
        if (stall == null) return pickFrom(k.schedulers.scheduler());
        long t0 = stall.begin();
        try {
            return pickFrom(k.schedulers.scheduler());
        } finally {
            stall.end(t0);
        }
    }

    private Proc pickFrom(Scheduler s) {
        if (s == null || !k.started()) return null;
        while (true) {
            SchedEntity e = s.pickNext();
            if (e == null) return null;
            if (!(e instanceof Proc p)) {
                LOG.error("scheduler {} returned an entity the kernel did not give it: {}", s.name(), e);
                continue;
            }
            synchronized (p) {
                // Stale entries (paused, killed, or already taken after a swap) are dropped here.
                if (p.queued && p.state == ProcessState.READY) {
                    p.queued = false;
                    p.state = ProcessState.RUNNING;
                    p.stepSeq = p.journalSeq; // RUNNING from here: a checkpoint now goes with this position
                    return p;
                }
            }
        }
    }

    /**
     * Runs one step of {@code p} on worker {@code w}, then the syscall it asked for. The fast path
     * takes the process lock four times per step (pick, before, after, completion) and reads the
     * clock twice.
     */
    public void run(Proc p, Dispatcher.Worker w) {
        Programs.ProgramEntry pe = k.programs.get(p.programName);
        if (pe == null) {
            k.programs.parkUntilInstalled(p);
            return;
        }
        Object state;
        SyscallResult last;
        boolean terminate;
        boolean heldCall;
        ObjectNode signal;
        String badState = null;
        synchronized (p) {
            p.stepSeq = p.journalSeq;
            heldCall = p.callName != null;
            if (!heldCall && p.programState instanceof JsonNode node
                    && !JsonNode.class.isAssignableFrom(pe.program().stateType())) {
                // Restored from a checkpoint as JSON: give the program its typed state back.
                try {
                    p.programState = k.json.convertValue(node, pe.program().stateType());
                } catch (IllegalArgumentException e) {
                    badState = "cannot restore its state as " + pe.program().stateType().getName() + ": " + e.getMessage();
                }
            }
            state = p.programState;
            last = p.lastResult;
            terminate = !heldCall && p.terminatePending;
            if (terminate) p.terminatePending = false;
            signal = !heldCall && !terminate && p.pendingSignals != null ? p.pendingSignals.pollFirst() : null;
        }
        if (badState != null) {
            k.exits.end(p, ProcessState.KILLED, 134, badState, false);
            return;
        }
        long t0 = k.hal.nanoTime();
        w.begin(p, t0);
        try {
            if (heldCall) {
                // Held at a syscall boundary (pause, restart): make that call, not a new step.
                SyscallEntry e;
                SyscallResult early;
                String name;
                JsonNode args;
                SyscallResult served;
                synchronized (p) {
                    if (p.state != ProcessState.RUNNING || p.callName == null) return;
                    name = p.callName;
                    args = p.callArgs;
                    e = k.syscalls.get(name);
                    served = p.redo == null ? null : fromJournalLocked(p, e, name, args);
                    if (served == DIVERGED) return;
                    if (served != null) {
                        early = null;
                    } else if (e == null && k.syscalls.awaitsBundle(name)) {
                        k.syscalls.holdUntilSyscallLocked(p, name);
                        early = null;
                    } else {
                        early = k.mediator.beginLocked(p, e, name, t0);
                    }
                }
                if (served != null) {
                    k.parked.served(p, served);
                    return;
                }
                if (e == null && early == null) {
                    k.syscalls.awaitSyscall(p, name);
                    return;
                }
                k.mediator.proceed(p, e, name, args, early);
                return;
            }
            Step<Object> step = null;
            Throwable fault = null;
            try {
                if (signal != null) state = handleSignal(p, pe.program(), state, signal);
                if (terminate) {
                    step = pe.program().onTerminate(state);
                } else {
                    InStep now = new InStep(p, t0);
                    try {
                        step = pe.program().step(state, last, now);
                    } finally {
                        now.open = false;
                    }
                }
                if (step == null) fault = new NullPointerException("step returned null");
            } catch (Throwable t) {
                fault = t;
            }
            long t1 = k.hal.nanoTime();
            if (w.abandoned) return; // the watchdog ended the process and replaced this worker
            long ran = t1 - t0;
            Scheduler s = k.schedulers.scheduler();
            if (s != null) s.charge(p, ran);
            String endReason = null;
            int endCode = 0;
            ProcessState endState = ProcessState.EXITED;
            SyscallEntry e = null;
            SyscallResult early = null;
            SyscallResult served = null;
            String name = null;
            JsonNode args = null;
            synchronized (p) {
                p.cpuNanos += ran;
                p.steps++;
                k.telemetry.stepped(p, ran);
                if (p.state != ProcessState.RUNNING) return;
                k.checkpoints.markDirtyLocked(p);
                if (fault != null) {
                    LOG.warn("{} failed in a step", p, fault);
                    endCode = 134;
                    endState = ProcessState.KILLED;
                    endReason = "step failed: " + fault;
                } else {
                    p.programState = step.state();
                    p.lastResult = null;
                    String over = p.cpuNanos > p.quotas.cpuNanos() ? k.mediator.overQuotaLocked(p) : null;
                    TreeBudget tree = p.budget == null ? null : p.budget.chargeCpu(ran);
                    if (over == null && tree != null) {
                        over = "EQUOTA: the process tree of pid " + tree.pid + " used " + tree.cpu.get() / 1000
                                + " us of CPU, over its quota of " + tree.cpuLimit / 1000 + " us (shared by its descendants)";
                    }
                    if (over != null) {
                        endCode = 137;
                        endState = ProcessState.KILLED;
                        endReason = over;
                    } else if (step instanceof Step.Exit<Object> x) {
                        endCode = x.code();
                        endReason = x.reason();
                    } else {
                        Step.Call<Object> c = (Step.Call<Object>) step;
                        name = c.syscall();
                        args = c.args();
                        p.callName = name;
                        p.callArgs = args;
                        if (p.debug != null) {
                            String why = k.debugger.atCallLocked(p, name, args);
                            if (why != null) { // a breakpoint or a single step: held before the call, as a pause
                                p.state = ProcessState.PAUSED;
                                p.waitingOn = why;
                                return;
                            }
                        }
                        if (p.pausePending) {
                            p.pausePending = false;
                            p.state = ProcessState.PAUSED;
                            return;
                        }
                        e = k.syscalls.get(name);
                        served = p.redo == null ? null : fromJournalLocked(p, e, name, args);
                        if (served == DIVERGED) return;
                        if (served != null) {
                            // given again below
                        } else if (e == null && k.syscalls.awaitsBundle(name)) {
                            k.syscalls.holdUntilSyscallLocked(p, name);
                        } else {
                            early = k.mediator.beginLocked(p, e, name, t1);
                        }
                    }
                }
            }
            if (endReason != null) {
                k.exits.end(p, endState, endCode, endReason, false);
                return;
            }
            if (served != null) {
                k.parked.served(p, served);
                return;
            }
            if (e == null && early == null) {
                k.syscalls.awaitSyscall(p, name);
                return;
            }
            k.mediator.proceed(p, e, name, args, early);
        } finally {
            w.end();
        }
    }

    /** Marks a recovering process stopped by {@link #fromJournalLocked}. */
    private static final SyscallResult DIVERGED = SyscallResult.error(org.agentos.kernel.api.syscall.Errno.EIO, "diverged");

    /**
     * A recovering process asks for a call: the result its journal holds for it (it had been
     * given it before the crash), null when the call is to be made, or {@link #DIVERGED} when the
     * program asked for another call than the journal's and was stopped. Holds p.
     */
    private SyscallResult fromJournalLocked(Proc p, SyscallEntry e, String name, JsonNode args) {
        CallJournaling.Served s = k.journaling.serveLocked(p, e, name, args);
        if (s instanceof CallJournaling.Served.Result given) return given.result();
        if (s instanceof CallJournaling.Served.Diverged d) {
            k.journaling.divergedLocked(p, d.why());
            return DIVERGED;
        }
        return null;
    }

    /** Lets the program handle a user signal; one it leaves alone goes to its mailbox. Returns the state to step with. */
    private Object handleSignal(Proc p, Program<Object> program, Object state, ObjectNode sig) {
        Object next = program.onSignal(state, sig.get("signal").asText(), sig.get("payload"));
        if (next != null) return next;
        k.ipc.mailbox(p);
        k.ipc.notify(p.pid, sig);
        return state;
    }

    /** The context of one step: calls made now, inside it, until it returns (StepContext). */
    private final class InStep implements StepContext {
        private final Proc p;
        private final long startNanos;
        volatile boolean open = true;

        InStep(Proc p, long startNanos) {
            this.p = p;
            this.startNanos = startNanos;
        }

        @Override
        public long pid() {
            return p.pid;
        }

        @Override
        public SyscallResult callNow(String name, JsonNode args) {
            return open ? k.mediator.now(p, name, args, startNanos) : null;
        }
    }
}
