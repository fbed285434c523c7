package org.agentos.kernel.impl.debug;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Breakpoints, single steps and traces of processes. A process being debugged has a
 * {@link Proc#debug}; the stepper, the mediator and the blocked-call protocol call the hooks
 * below only then. A breakpoint stops the process PAUSED at the boundary it names, with the
 * breakpoint as what it waits on; {@code agent:resume} goes on, {@code agent:step} goes on for
 * one step. Kept in memory: a restart forgets them.
 */
public final class Debugger {
    private final Kernel k;
    private final AtomicInteger ids = new AtomicInteger();
    private final ConcurrentHashMap<Integer, Breakpoint> breakpoints = new ConcurrentHashMap<>();

    public Debugger(Kernel k) {
        this.k = k;
    }

    /** What a process being debugged carries. */
    public static final class ProcDebug {
        final CopyOnWriteArrayList<Breakpoint> breaks = new CopyOnWriteArrayList<>();
        final CopyOnWriteArrayList<Consumer<TraceEvent>> tracers = new CopyOnWriteArrayList<>();
        /** Stop at the first call boundary once the process has made this many steps; 0: not single-stepping. */
        long stopAtStep;

        boolean idle() {
            return breaks.isEmpty() && tracers.isEmpty() && stopAtStep == 0;
        }
    }

    /** One breakpoint: at a call whose name matches, at a result with an errno, or after a step. */
    public record Breakpoint(int id, long pid, String spec, Pattern syscall, Errno errno, long step) {
        public String describe() {
            return "breakpoint " + id + " (" + spec + ")";
        }
    }

    /** One finished call, as agent:trace shows it. */
    public record TraceEvent(long pid, long millis, String name, JsonNode args, SyscallResult result, long nanos, String via) {}

    /**
     * Sets a breakpoint on {@code pid}: a syscall pattern ({@code fs.write}, {@code fs.*},
     * {@code *}), an errno ({@code EPERM}), or {@code step N}.
     */
    public Breakpoint addBreak(long pid, String spec) throws SyscallException {
        Proc p = live(pid);
        String s = spec == null ? "" : spec.trim();
        Breakpoint b;
        int id = ids.incrementAndGet();
        if (s.toLowerCase(Locale.ROOT).startsWith("step ")) {
            long n;
            try {
                n = Long.parseLong(s.substring(5).trim());
            } catch (NumberFormatException e) {
                throw new SyscallException(Errno.EINVAL, "'" + s + "': step takes a number (step 12)");
            }
            if (n < 1) throw new SyscallException(Errno.EINVAL, "'" + s + "': steps count from 1");
            b = new Breakpoint(id, pid, "step " + n, null, null, n);
        } else if (s.matches("E[A-Z]+")) {
            Errno e;
            try {
                e = Errno.valueOf(s);
            } catch (IllegalArgumentException unknown) {
                throw new SyscallException(Errno.EINVAL, "no errno " + s + " (EPERM, ENOENT, EINVAL, ETIMEDOUT ...)");
            }
            b = new Breakpoint(id, pid, s, null, e, 0);
        } else if (s.matches("[A-Za-z0-9_.*-]{1,128}")) {
            b = new Breakpoint(id, pid, s, Pattern.compile(Pattern.quote(s).replace("*", "\\E.*\\Q")), null, 0);
        } else {
            throw new SyscallException(Errno.EINVAL, "'" + s + "' is no breakpoint: give a syscall or a pattern (fs.write, "
                    + "fs.*), an errno (EPERM) or 'step N'");
        }
        synchronized (p) {
            debugOf(p).breaks.add(b);
        }
        breakpoints.put(id, b);
        return b;
    }

    /** Deletes breakpoint {@code id}; false when there is none. */
    public boolean deleteBreak(int id) {
        Breakpoint b = breakpoints.remove(id);
        if (b == null) return false;
        Proc p = k.procs.get(b.pid());
        if (p != null) {
            synchronized (p) {
                if (p.debug != null) {
                    p.debug.breaks.remove(b);
                    if (p.debug.idle()) p.debug = null;
                }
            }
        }
        return true;
    }

    /** The breakpoints of {@code pid}, or of every process when null, by id. */
    public List<Breakpoint> breakpoints(Long pid) {
        List<Breakpoint> out = new ArrayList<>();
        for (Breakpoint b : breakpoints.values()) if (pid == null || b.pid() == pid) out.add(b);
        out.sort(Comparator.comparingInt(Breakpoint::id));
        return out;
    }

    /** A PAUSED process goes on for one step: its pending call (if any) is made, one step runs, and it stops at the next call. */
    public void stepOnce(long pid) throws SyscallException {
        Proc p = live(pid);
        synchronized (p) {
            if (p.state != ProcessState.PAUSED) {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " is " + p.state + ", not paused (agent:pause it, "
                        + "or set a breakpoint)");
            }
            debugOf(p).stopAtStep = p.steps + 1;
        }
        k.resume(pid);
    }

    /** Sends {@code pid}'s calls to {@code sink} as they finish, until the returned handle is closed. */
    public AutoCloseable trace(long pid, Consumer<TraceEvent> sink) throws SyscallException {
        Proc p = live(pid);
        synchronized (p) {
            debugOf(p).tracers.add(sink);
        }
        return () -> {
            synchronized (p) {
                if (p.debug != null) {
                    p.debug.tracers.remove(sink);
                    if (p.debug.idle()) p.debug = null;
                }
            }
        };
    }

    /** {@code pid}'s program state as JSON, with its pending call and the last result it was given (agent:state). */
    public com.fasterxml.jackson.databind.node.ObjectNode state(long pid) throws SyscallException {
        Proc p = k.procs.get(pid);
        if (p == null) throw new SyscallException(Errno.ESRCH, "no process " + pid);
        var out = k.json.createObjectNode();
        synchronized (p) {
            out.put("pid", p.pid).put("program", p.programName).put("state", p.state.name()).put("steps", p.steps)
                    .put("journaled", p.journalSeq);
            if (p.waitingOn != null && p.state != ProcessState.RUNNING) out.put("waitingOn", p.waitingOn);
            out.set("programState", k.json.valueToTree(p.programState));
            if (p.callName != null) {
                var call = out.putObject("pendingCall").put("syscall", p.callName).put("inFlight", p.callInFlight);
                call.set("args", p.callArgs);
            }
            if (p.lastResult != null) out.set("lastResult", k.json.valueToTree(p.lastResult));
        }
        return out;
    }

    /**
     * agent:fork --at: a new process from the state {@code pid} had at {@code step} (rebuilt by
     * replay), given {@code result} for that step's call instead of making it, when not null:
     * a JSON value answers it, {@code {"errno":"ENOENT","message":"..."}} fails it.
     */
    public long forkAt(long pid, long step, JsonNode result) throws SyscallException {
        Proc like = k.procs.get(pid);
        if (like == null) {
            throw new SyscallException(Errno.ESRCH, "no process " + pid + " (a fork takes the owner, capabilities and quotas "
                    + "of a process still in the table)");
        }
        org.agentos.kernel.impl.syscall.Replay.At at = k.replay.at(pid, step);
        SyscallResult given = result == null ? null : resultOf(result);
        return k.lifecycle.forkAt(like, at.program(), at.state(), at.call(), at.args(), given);
    }

    private static SyscallResult resultOf(JsonNode r) throws SyscallException {
        if (r.isObject() && r.has("errno") && r.size() <= 2 && (r.size() == 1 || r.has("message"))) {
            try {
                return SyscallResult.error(Errno.valueOf(r.get("errno").asText()), r.path("message").asText("injected by agent:fork"));
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "--result names no errno: " + r.get("errno").asText());
            }
        }
        return SyscallResult.ok(r);
    }

    /** When the process ends, its breakpoints go. */
    public void processEnded(Proc p) {
        if (p.debug == null) return;
        for (Breakpoint b : p.debug.breaks) breakpoints.remove(b.id());
    }

    // ------------------------------------------------------------------ hooks (each holds p)

    /**
     * The step of {@code p} asks for {@code name} ({@code args}): the reason it stops here, or null.
     * A single step ends here too.
     */
    public String atCallLocked(Proc p, String name, JsonNode args) {
        ProcDebug d = p.debug;
        if (d == null) return null;
        if (d.stopAtStep > 0 && p.steps >= d.stopAtStep) {
            d.stopAtStep = 0;
            return stopped(p, "stepped: step " + p.steps + " asks for " + name + " " + text(args));
        }
        for (Breakpoint b : d.breaks) {
            if (b.syscall() != null && b.syscall().matcher(name).matches()
                    || b.step() > 0 && p.steps == b.step()) {
                return stopped(p, b.describe() + ": step " + p.steps + " asks for " + name + " " + text(args));
            }
        }
        return null;
    }

    /** The call {@code name} of {@code p} completed with {@code r}: the reason it stops before seeing it, or null. */
    public String atResultLocked(Proc p, String name, SyscallResult r) {
        ProcDebug d = p.debug;
        if (d == null || r.isOk()) return null;
        for (Breakpoint b : d.breaks) {
            if (b.errno() == r.errno()) return stopped(p, b.describe() + ": " + name + " answered " + r.errno() + ": " + r.message());
        }
        return null;
    }

    /** A call of {@code p} finished: to its tracers. */
    public void traced(Proc p, String name, JsonNode args, SyscallResult r, long nanos, String via) {
        ProcDebug d = p.debug;
        if (d == null || d.tracers.isEmpty()) return;
        TraceEvent e = new TraceEvent(p.pid, k.now(), name, args, r, nanos, via);
        for (Consumer<TraceEvent> t : d.tracers) t.accept(e);
    }

    private String stopped(Proc p, String why) {
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "break", AuditRecord.OK, 0, why, null, null);
        return why;
    }

    private static ProcDebug debugOf(Proc p) {
        if (p.debug == null) p.debug = new ProcDebug();
        return p.debug;
    }

    private Proc live(long pid) throws SyscallException {
        Proc p = k.procs.get(pid);
        if (p == null) throw new SyscallException(Errno.ESRCH, "no process " + pid);
        if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + pid + " has already ended");
        return p;
    }

    private static String text(JsonNode n) {
        if (n == null || n.isEmpty()) return "{}";
        String s = n.toString();
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
