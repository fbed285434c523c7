package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.audit.AuditWriter;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The one mediation path. Every syscall takes it, whoever makes it: a program's step on a CPU
 * worker ({@link #beginLocked} then {@link #proceed}), a bundle through the syscall gateway or an
 * operator at the console ({@link #call}). The steps, in this order (docs/kernel.md):
 * <ol>
 * <li>lookup in the syscall table ({@code ENOSYS});
 * <li>quota check and charge: syscalls, CPU, wall time ({@code EQUOTA} stops the process);
 * <li>schema validation ({@code EINVAL});
 * <li>capability check ({@code EPERM});
 * <li>run: kernel calls and CPU tools inline, the others by the {@link ToolRunner} (LLM gate,
 *     byte rates, timeout, retries of idempotent transient errors);
 * <li>errno mapping;
 * <li>one audit record.
 * </ol>
 * A caller from outside the program differs only in how it waits: on its own thread, where a
 * program's process waits BLOCKED ({@link ParkedCalls}).
 */
public final class Mediator {
    private final Kernel k;

    public Mediator(Kernel k) {
        this.k = k;
    }

    /**
     * A program's call (holds p): marks it in flight, then steps 1-2. Returns the error to
     * complete with, or null.
     */
    public SyscallResult beginLocked(Proc p, SyscallEntry e, String name, long nowNanos) {
        p.callInFlight = true;
        p.callStartNanos = nowNanos;
        p.callEntry = e;
        CallJournaling.beginLocked(p);
        return chargeLocked(p, e, name);
    }

    /**
     * Steps 3-7 of a program's call begun with {@link #beginLocked} ({@code early}: its error
     * from steps 1-2, or null). Its process completes now, or when the call ends.
     */
    public void proceed(Proc p, SyscallEntry e, String name, JsonNode args, SyscallResult early) {
        SyscallResult r = mediate(p, e, name, args, early, false);
        if (r != null) k.parked.complete(p, r);
    }

    /**
     * A call made as process {@code pid} from outside its program, through the syscall gateway of
     * bundle {@code via} (null: the kernel's console), which the audit record names: the same
     * steps, charges and audit as the program's own calls, without touching its pending call.
     * The caller waits on this thread (an interrupt ends the wait with {@code EINTR}); a call
     * that can only park a program ({@link SyscallEntry.Blocking#ALWAYS}) is {@code EINVAL}.
     */
    public SyscallResult call(long pid, String name, JsonNode args, String via) {
        Proc p = k.procs.get(pid);
        if (p == null) return SyscallResult.error(Errno.ESRCH, "no process " + pid);
        if (args == null) args = k.json.createObjectNode();
        long t0 = k.hal.nanoTime();
        SyscallEntry e = k.syscalls.get(name);
        SyscallResult early;
        synchronized (p) {
            early = chargeLocked(p, e, name);
        }
        SyscallResult r = mediate(p, e, name, args, early, true);
        audit(p, e, name, args, r, t0, k.hal.nanoTime(), via);
        if (r.errno() == Errno.EQUOTA) k.exits.end(p, ProcessState.KILLED, 137, "EQUOTA: " + r.message(), false);
        return r;
    }

    /**
     * A call a program makes inside its step ({@code StepContext.callNow}), begun at
     * {@code stepStartNanos}: all seven steps at once, when the call can complete without its
     * process waiting. Null when it cannot, and the step ends with it as its call instead: the
     * call may park or yield, is unknown, or is over a quota (the ordinary path says so); or
     * the process should stop at this boundary (pause, terminate, a signal, killed); or the step
     * has used {@link #IN_STEP_SLICE_NANOS}, so that a loop of such calls still goes back
     * through the scheduler (fair CPU) and a pause lands within a slice.
     */
    public SyscallResult now(Proc p, String name, JsonNode args, long stepStartNanos) {
        SyscallEntry e = k.syscalls.get(name);
        if (e == null || !e.completesInStep()) return null;
        if (p.debug != null) return null; // a process being debugged makes every call at a step's end, where breakpoints are
        // A result with effects must be on disk before the process sees it: the step ends with the call instead.
        if (e.hasEffects() && k.journaling.on()) return null;
        long t0 = k.hal.nanoTime();
        if (t0 - stepStartNanos > IN_STEP_SLICE_NANOS) return null;
        if (args == null) args = k.json.createObjectNode();
        synchronized (p) {
            if (p.state != ProcessState.RUNNING || p.pausePending || p.terminatePending
                    || p.pendingSignals != null && !p.pendingSignals.isEmpty()) {
                return null;
            }
            if (p.redo != null) {
                CallJournaling.Served served = k.journaling.serveLocked(p, e, name, args);
                if (served instanceof CallJournaling.Served.Result given) return given.result();
                if (served != null) return null; // diverged: the step ends with the call, where the stepper stops it
            }
            if (p.syscalls >= p.quotas.syscalls() || overQuotaLocked(p) != null) return null;
            if (chargeLocked(p, e, name) != null) return null; // cannot happen after the checks above
            CallJournaling.beginLocked(p);
        }
        SyscallResult r = mediate(p, e, name, args, null, false);
        audit(p, e, name, args, r, t0, k.hal.nanoTime(), null);
        if (e.journaled()) {
            synchronized (p) {
                k.journaling.recordLocked(p, e, name, args, r, null);
            }
        }
        return r;
    }

    /** How long a step may keep making calls inside itself before they end it (see {@link #now}). */
    public static final long IN_STEP_SLICE_NANOS = 5_000_000;

    /**
     * Steps 1-2 for any caller: lookup, and the quota check and charge (syscalls, CPU, wall
     * time). The error to complete with, or null. Holds p.
     */
    private SyscallResult chargeLocked(Proc p, SyscallEntry e, String name) {
        if (e == null) {
            p.countSyscall(name);
            return SyscallResult.error(Errno.ENOSYS, "no syscall '" + name + "'");
        }
        if (p.syscalls >= p.quotas.syscalls()) {
            return SyscallResult.error(Errno.EQUOTA, p.syscalls + " syscalls made, its quota is " + p.quotas.syscalls());
        }
        p.countSyscall(e.name);
        if (p.quotas.wallMillis() != Quotas.UNLIMITED || p.cpuNanos > p.quotas.cpuNanos()) {
            String over = overQuotaLocked(p);
            if (over != null) return SyscallResult.error(Errno.EQUOTA, over.substring("EQUOTA: ".length()));
        }
        return null;
    }

    /**
     * Steps 3-6. Returns the result, or null when a program's process waits for it (it completes
     * later, by {@link ParkedCalls}); a caller from outside always gets its result here.
     */
    private SyscallResult mediate(Proc p, SyscallEntry e, String name, JsonNode args, SyscallResult early,
                                  boolean fromOutside) {
        if (early != null) return early;
        SyscallResult r = check(p, e, args);
        if (r != null) return r;
        if (e.kernelCall != null) return kernelCall(p, e, name, args, fromOutside);
        if (e.inline) return k.tools.invoke(e, p, args, fromOutside ? null : CallJournaling.callId(p));
        if (fromOutside) return k.tools.runOutside(p, e, args);
        k.tools.runForProgram(p, e, args);
        return null;
    }

    /** Steps 3-4, validation and capabilities: null when the call may run. */
    private static SyscallResult check(Proc p, SyscallEntry e, JsonNode args) {
        String invalid = e.validator.validate(args);
        if (invalid != null) return SyscallResult.error(Errno.EINVAL, e.name + ": " + invalid);
        String missing = e.missingCapability(p.caps, args);
        if (missing != null) {
            return SyscallResult.error(Errno.EPERM, e.name + " needs capability '" + missing + "', which pid " + p.pid
                    + " does not hold");
        }
        return null;
    }

    /** One of the kernel's own calls, parking the caller only as its entry declares. */
    private SyscallResult kernelCall(Proc p, SyscallEntry e, String name, JsonNode args, boolean fromOutside) {
        if (fromOutside && e.blocking == SyscallEntry.Blocking.ALWAYS) {
            return SyscallResult.error(Errno.EINVAL, name + " can only be called by the process itself");
        }
        SyscallResult r;
        try {
            r = e.kernelCall.call(p, args, fromOutside);
        } catch (SyscallException ex) {
            return SyscallResult.error(ex);
        } catch (RuntimeException ex) {
            return ToolRunner.failure(name, ex);
        }
        if (r == null && (fromOutside || e.blocking == SyscallEntry.Blocking.NEVER
                || e.blocking == SyscallEntry.Blocking.YIELDS)) {
            // a kernel bug: the call parked although its entry says it may not
            return SyscallResult.error(Errno.EIO, name + " waited although it is declared not to ("
                    + (fromOutside ? "a caller from outside" : "blocking " + e.blocking) + ")");
        }
        return r;
    }

    /**
     * Step 7: one audit record for a finished call that began at {@code startNanos} and ended at
     * {@code endNanos} (the HAL's clock); {@code via} names the bundle whose syscall gateway made
     * it (null: the process itself, or the console). RECORDED calls keep their result: the
     * journal a replay reads.
     */
    void audit(Proc p, SyscallEntry e, String name, JsonNode args, SyscallResult r, long startNanos, long endNanos,
               String via) {
        boolean record = e != null && e.recordResult && r.isOk();
        String detail = r.isOk() ? null : r.message();
        if (via != null) detail = detail == null ? "via " + via : detail + " (via " + via + ")";
        if (p.debug != null) k.debugger.traced(p, name, args, r, endNanos - startNanos, via);
        k.telemetry.ended(p, e, name, args, r, startNanos, endNanos, via);
        k.audit.append(new AuditWriter.Entry(endNanos, k.now(), AuditRecord.SYSCALL, p.pid, p.owner, name,
                r.isOk() ? AuditRecord.OK : r.errno().name(), endNanos - startNanos, detail, 0,
                args == null || args.isEmpty() ? null : args, record ? r.value() : null));
    }

    /** Why {@code p} is over its CPU or wall-time quota ("EQUOTA: ..."), or null. Holds p. */
    public String overQuotaLocked(Proc p) {
        Quotas q = p.quotas;
        if (p.cpuNanos > q.cpuNanos()) {
            return "EQUOTA: used " + p.cpuNanos / 1000 + " us of CPU, over its quota of " + q.cpuNanos() / 1000 + " us";
        }
        if (q.wallMillis() != Quotas.UNLIMITED && k.now() - p.startedMillis > q.wallMillis()) {
            return "EQUOTA: ran for " + (k.now() - p.startedMillis) + " ms, over its wall-time quota of "
                    + q.wallMillis() + " ms";
        }
        return null;
    }
}
