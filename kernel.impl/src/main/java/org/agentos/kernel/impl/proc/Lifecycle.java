package org.agentos.kernel.impl.proc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.audit.AuditWriter;
import org.agentos.kernel.impl.ipc.MessageQueue;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's life before its end ({@link Exits}): spawn and fork (what a child inherits and
 * may not exceed), pause, resume, signals, terminate and kill. Only the kernel changes a
 * process's state, always under the process's monitor.
 */
public final class Lifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

    private final Kernel k;
    private final CapabilitySet defaultCaps;

    public Lifecycle(Kernel k) {
        this.k = k;
        try {
            this.defaultCaps = CapabilitySet.of(k.settings.defaultCapabilities());
        } catch (SyscallException e) {
            throw new IllegalArgumentException("defaultCapabilities: " + e.getMessage(), e);
        }
    }

    public long spawn(Proc parent, SpawnSpec spec, boolean byOperator) throws SyscallException {
        Programs.ProgramEntry pe = k.programs.get(spec.program());
        if (pe == null) {
            throw new SyscallException(Errno.ENOENT, "no program '" + spec.program() + "' (agent:programs lists them)");
        }
        if (spec.nice() < -20 || spec.nice() > 19) {
            throw new SyscallException(Errno.EINVAL, "nice must be between -20 and 19, not " + spec.nice());
        }
        SchedClass schedClass;
        CapabilitySet caps;
        Quotas quotas;
        if (byOperator) {
            schedClass = spec.schedClass() == null ? SchedClass.NORMAL : spec.schedClass();
            caps = spec.capabilities() == null ? defaultCaps : CapabilitySet.of(spec.capabilities());
            quotas = spec.quotas() == null ? parent.quotas : spec.quotas();
        } else {
            ChildTerms terms = childTerms(parent, spec);
            schedClass = terms.schedClass();
            caps = terms.caps();
            quotas = terms.quotas();
        }
        String owner;
        if (byOperator) {
            owner = k.procs.canonicalOwner(spec.owner() == null ? "root" : spec.owner());
        } else {
            if (spec.owner() != null && !spec.owner().equals(parent.owner)) {
                throw new SyscallException(Errno.EPERM, "a process cannot spawn for another owner ('" + spec.owner() + "')");
            }
            owner = parent.owner;
        }
        Object state;
        try {
            state = pe.program().init(spec.args());
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, spec.program() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("program {} failed to initialise", spec.program(), e);
            throw new SyscallException(Errno.EINVAL, spec.program() + " rejected its arguments: " + e);
        }
        k.procs.admit(owner);
        long pid = k.procs.nextPid();
        Proc p = new Proc(pid, parent.pid, owner, pe.program().name(), spec.nice(), schedClass, caps, quotas, k.now());
        p.budget = TreeBudget.of(pid, quotas, byOperator ? null : parent.budget); // an operator's spawn starts a new tree
        p.programState = state;
        enroll(parent, p, "spawn");
        return pid;
    }

    /** What a process's child gets, here or on another node. */
    private record ChildTerms(SchedClass schedClass, CapabilitySet caps, Quotas quotas) {}

    /**
     * A child is no less nice and in no higher scheduling class than its parent, and gets at most
     * its parent's capabilities and quotas (its wall time ending no later than the parent's).
     */
    private ChildTerms childTerms(Proc parent, SpawnSpec spec) throws SyscallException {
        if (spec.nice() < parent.nice) {
            throw new SyscallException(Errno.EPERM, "a child may not be less nice (" + spec.nice()
                    + ") than its parent (" + parent.nice + ")");
        }
        SchedClass schedClass = spec.schedClass() == null ? parent.schedClass : spec.schedClass();
        if (schedClass.compareTo(parent.schedClass) < 0) {
            throw new SyscallException(Errno.EPERM, "a child may not run in a higher scheduling class ("
                    + schedClass.label() + ") than its parent (" + parent.schedClass.label() + ")");
        }
        CapabilitySet caps = spec.capabilities() == null ? parent.caps : parent.caps.attenuate(CapabilitySet.of(spec.capabilities()));
        Quotas quotas = spec.quotas() == null ? parent.quotas : spec.quotas().min(parent.quotas);
        return new ChildTerms(schedClass, caps, withinParentsWallTime(quotas, parent));
    }

    /**
     * {@code proc.spawn} with a {@code node}: the child starts there (null returned when that is
     * this node: a child here as usual). The caller needs {@code cluster:spawn:<node>}; the child
     * gets what a child here would (capabilities and quotas within the caller's, no less nice),
     * and that node checks it again. The child is that node's init's: it is reached by pid (signals
     * as {@code agent:kill}), not waited for.
     */
    public SyscallResult spawnOnNode(Proc parent, SpawnSpec spec, String wanted) throws SyscallException {
        org.agentos.kernel.api.cluster.RemoteCalls r = k.ipc.elsewhere.remote();
        if (r == null) throw new SyscallException(Errno.EINVAL, "node '" + wanted + "': this installation is not in a cluster");
        String node = r.place(wanted);
        if (node.equals(r.localNode())) return null;
        if (!parent.caps.permits("cluster:spawn:" + node)) {
            throw new SyscallException(Errno.EPERM, "a child on node " + node + " needs capability 'cluster:spawn:" + node
                    + "', which pid " + parent.pid + " does not hold");
        }
        ChildTerms terms = childTerms(parent, spec);
        com.fasterxml.jackson.databind.node.ObjectNode args = k.json.createObjectNode().put("program", spec.program())
                .put("nice", spec.nice()).put("class", terms.schedClass().label());
        args.set("args", spec.args());
        var capList = args.putArray("capabilities");
        terms.caps().patterns().forEach(capList::add);
        args.set("quotas", k.json.valueToTree(terms.quotas()));
        SyscallResult r0 = k.ipc.elsewhere.now(parent, node, "proc.spawn", args);
        if (r0.isOk()) {
            k.auditEvent("proc.spawn.remote", parent.owner, "pid " + parent.pid + " started pid " + r0.value().path("pid").asLong()
                    + " (" + spec.program() + ") on node " + node);
        }
        return r0;
    }

    /**
     * A child a process of another node asked for: a child of init here, the caller's owner,
     * capabilities within the caller's (as its own node attenuated them: checked again here).
     */
    public long spawnFor(RemoteCaller caller, SpawnSpec spec) throws SyscallException {
        CapabilitySet held = CapabilitySet.of(caller.capabilities());
        CapabilitySet caps = spec.capabilities() == null ? held : held.attenuate(CapabilitySet.of(spec.capabilities()));
        long pid = spawn(k.procs.init, new SpawnSpec(spec.program(), spec.args(), caller.owner(), spec.nice(), caps.patterns(),
                spec.quotas(), spec.schedClass()), true);
        k.auditEvent("proc.spawn.remote", caller.owner(), "pid " + pid + " (" + spec.program() + ") for pid " + caller.pid()
                + " of node " + caller.node());
        return pid;
    }

    /**
     * A child's wall-time quota ends no later than its parent's: what is left of the parent's, if
     * that is less. Relative to its own start it would otherwise outlive the parent's deadline
     * (re-parented to init when the parent is stopped), and a tree could run on forever.
     */
    private Quotas withinParentsWallTime(Quotas quotas, Proc parent) {
        long parentWall = parent.quotas.wallMillis();
        if (parentWall == Quotas.UNLIMITED) return quotas;
        long left = Math.max(1, parentWall - (k.now() - parent.startedMillis));
        return quotas.wallMillis() <= left ? quotas : quotas.withWallMillis(left);
    }

    /**
     * Puts the new process {@code p} into the table and under {@code parent} (or init, if the
     * parent ended meanwhile), audits {@code how} (spawn, fork), makes it READY and posts SPAWNED.
     */
    private void enroll(Proc parent, Proc p, String how) {
        k.procs.put(p);
        synchronized (k.procs.tree) {
            Proc actual = parent;
            // end() marks a process terminal before it re-parents its children under this lock.
            if (parent.state.isTerminal()) {
                actual = k.procs.init;
            }
            p.ppid = actual.pid;
            if (actual != k.procs.init) {
                if (actual.children == null) actual.children = new LinkedHashSet<>(4);
                actual.children.add(p);
            }
        }
        k.audit.append(new AuditWriter.Entry(k.hal.nanoTime(), p.startedMillis, AuditRecord.LIFECYCLE, p.pid, p.owner, how,
                AuditRecord.OK, 0, p.programName, parent.pid, null, null));
        if (k.journaling.on()) {
            // what a replay starts from: the program and its first state
            k.journal.append(JournalRecord.start(p.pid, p.ppid, p.startedMillis, p.programName, p.owner,
                    k.json.valueToTree(p.programState)), null);
        }
        synchronized (p) {
            p.state = ProcessState.READY;
            k.checkpoints.markDirtyLocked(p);
            k.stepper.enqueueLocked(p);
        }
        k.post(Kernel.TOPIC_SPAWNED, Map.of("pid", p.pid, "ppid", parent.pid, "owner", p.owner, "program", p.programName));
    }

    public void pause(long pid) throws SyscallException {
        pause(pid, true);
    }

    /** A pause; {@code audited} false for the kernel's own hold at a cut (its checkpoint record says it). */
    public void pause(long pid, boolean audited) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        if (p == k.procs.init) throw new SyscallException(Errno.EPERM, "init cannot be paused: it adopts and reaps the orphans");
        synchronized (p) {
            switch (p.state) {
                case READY -> {
                    p.state = ProcessState.PAUSED;
                    k.stepper.dequeueLocked(p);
                }
                case BLOCKED -> p.state = ProcessState.PAUSED;
                case RUNNING, NEW -> {
                    if (p.pausePending) throw new SyscallException(Errno.EINVAL, "process " + pid + " is already being paused");
                    p.pausePending = true;
                }
                case PAUSED -> throw new SyscallException(Errno.EINVAL, "process " + pid + " is already paused");
                default -> throw new SyscallException(Errno.EINVAL, "process " + pid + " has already ended");
            }
            k.checkpoints.markDirtyLocked(p);
        }
        if (audited) k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "pause", AuditRecord.OK, 0, null, null, null);
    }

    /**
     * proc.stop: {@code p} pauses itself at this call, which stays pending (its reason shown as
     * what it waits on) until {@link #resume} completes it. Survives a restart: the checkpoint
     * keeps the process PAUSED with the call.
     */
    public SyscallResult stopSelf(Proc p, String reason) {
        synchronized (p) {
            p.pausePending = true;
            k.parked.blockLocked(p, stoppedBecause(reason));
            k.checkpoints.markDirtyLocked(p);
        }
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "stop", AuditRecord.OK, 0,
                reason, null, null);
        return null;
    }

    /** What a process stopped by proc.stop shows it waits on. */
    public static String stoppedBecause(String reason) {
        return "stopped itself: " + reason;
    }

    public void resume(long pid) throws SyscallException {
        resume(pid, true);
    }

    /** A resume; {@code audited} false for the end of the kernel's own hold at a cut. */
    public void resume(long pid, boolean audited) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        boolean endStop = false;
        synchronized (p) {
            if (p.state == ProcessState.PAUSED && STOP.equals(p.callName)) {
                // it stopped itself (proc.stop): resuming is that call's answer
                if (!p.callInFlight) { // restored after a restart: the call is pending, not begun
                    p.callInFlight = true;
                    p.callEntry = k.syscalls.get(STOP);
                    p.callStartNanos = k.hal.nanoTime();
                }
                p.state = ProcessState.BLOCKED;
                endStop = true;
            } else if (p.state == ProcessState.PAUSED) {
                if (p.callInFlight) {
                    p.state = ProcessState.BLOCKED;
                } else {
                    p.state = ProcessState.READY;
                    p.waitingOn = null; // a breakpoint's or a divergence's reason
                    k.stepper.enqueueLocked(p);
                }
            } else if (p.pausePending) {
                p.pausePending = false;
            } else if (p.state.isTerminal()) {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " has already ended");
            } else {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " is not paused (it is " + p.state + ")");
            }
            k.checkpoints.markDirtyLocked(p);
        }
        if (audited) k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "resume", AuditRecord.OK, 0, null, null, null);
        if (endStop) k.parked.complete(p, SyscallResult.OK);
    }

    private static final String STOP = "proc.stop";

    static final java.util.Set<String> USER_SIGNALS = java.util.Set.of("usr1", "usr2", "hup", "int");

    /**
     * A user signal: queued for {@code p}'s next step (where {@link Program#onSignal} handles it, or
     * its mailbox gets it); a sleep, wait or IPC wait in progress ends with EINTR so that the next
     * step comes soon.
     */
    public void userSignal(Proc p, String signal, JsonNode payload, long from) throws SyscallException {
        if (!USER_SIGNALS.contains(signal)) {
            throw new SyscallException(Errno.EINVAL, "unknown signal '" + signal + "' (term, kill, usr1, usr2, hup, int)");
        }
        ObjectNode sig = k.json.createObjectNode().put("event", "signal").put("signal", signal).put("from", from);
        sig.set("payload", payload == null ? com.fasterxml.jackson.databind.node.NullNode.instance : payload);
        Future<?> interrupt = null;
        synchronized (p) {
            if (p.state.isTerminal()) throw new SyscallException(Errno.ESRCH, "process " + p.pid + " has already ended");
            if (p.pendingSignals == null) p.pendingSignals = new java.util.ArrayDeque<>(2);
            if (p.pendingSignals.size() >= 64) throw new SyscallException(Errno.EAGAIN, "process " + p.pid + " has 64 signals pending");
            p.pendingSignals.addLast(sig);
            if (p.callInFlight && ("proc.sleep".equals(p.callName) || p.blockedOn instanceof MessageQueue.Waiter)) {
                interrupt = p.cancelCall;
            }
        }
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "signal", AuditRecord.OK, 0,
                signal + " from pid " + from, null, null);
        if (interrupt != null) {
            interrupt.cancel(false);
            k.parked.complete(p, SyscallResult.error(Errno.EINTR, "interrupted by signal " + signal));
        }
    }

    /** Kill ends the process now; terminate asks it to end at its next step (interrupting a sleep or wait). */
    public void signal(Proc p, boolean kill, String by) throws SyscallException {
        if (p == k.procs.init) throw new SyscallException(Errno.EPERM, "init cannot be " + (kill ? "killed" : "terminated"));
        if (kill) {
            if (!k.exits.end(p, ProcessState.KILLED, 137, "killed by " + by, true)) {
                throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
            }
            return;
        }
        Future<?> interrupt = null;
        synchronized (p) {
            if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
            p.terminatePending = true;
            k.checkpoints.markDirtyLocked(p);
            if (p.callInFlight && "proc.sleep".equals(p.callName)) {
                interrupt = p.cancelCall;
            } else if (p.callInFlight && p.blockedOn instanceof MessageQueue.Waiter) {
                interrupt = p.cancelCall; // takes it off its queue
            } else if (p.callInFlight && "proc.wait".equals(p.callName) && p.waitFor != Long.MIN_VALUE) {
                p.waitFor = Long.MIN_VALUE;
                interrupt = p.cancelCall == null ? CompletableFuture.completedFuture(null) : p.cancelCall;
            }
        }
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "terminate", AuditRecord.OK, 0,
                "requested by " + by, null, null);
        if (interrupt != null) {
            interrupt.cancel(false);
            k.parked.complete(p, SyscallResult.error(Errno.EINTR, "interrupted by a terminate request"));
        }
    }

    /**
     * proc.fork: a child running the same program from a copy of the parent's state, with the
     * parent's owner, capabilities, quotas and priority, and a copy-on-write copy of its user
     * space. The parent's call returns {@code {pid: <child>}}, the child's {@code {pid: 0, ppid}}.
     */
    public SyscallResult fork(Proc parent, org.agentos.kernel.api.memory.MemoryManager m) throws SyscallException {
        Programs.ProgramEntry pe = k.programs.get(parent.programName);
        if (pe == null) throw new SyscallException(Errno.ENOENT, "program '" + parent.programName + "' is not installed");
        Object copy;
        synchronized (parent) {
            try {
                copy = k.json.convertValue(k.json.valueToTree(parent.programState), pe.program().stateType());
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "the state of " + parent.programName + " cannot be copied: " + e.getMessage());
            }
        }
        k.procs.admit(parent.owner);
        long pid = k.procs.nextPid();
        Proc child = new Proc(pid, parent.pid, parent.owner, parent.programName, parent.nice, parent.schedClass, parent.caps,
                withinParentsWallTime(parent.quotas, parent), k.now());
        child.budget = parent.budget; // same quotas: it spends from its parent's tree budget
        child.programState = copy;
        child.lastResult = SyscallResult.ok(k.json.createObjectNode().put("pid", 0).put("ppid", parent.pid));
        try {
            k.mem.fork(m, parent, child); // before the child can run: it starts with its parent's memory
        } catch (SyscallException | RuntimeException e) {
            k.procs.release(parent.owner);
            throw e;
        }
        enroll(parent, child, "fork");
        return SyscallResult.ok(k.json.createObjectNode().put("pid", pid));
    }

    /**
     * agent:fork --at: a new process (a child of init) running {@code program} from {@code state},
     * the state process {@code like} had at a step (rebuilt by replay), with its owner,
     * capabilities, quotas and priority. {@code given} is the result it starts with instead of
     * making {@code call} (what if the tool had answered this?); without one it makes {@code call}
     * with {@code args}. Its memory starts empty: a fork at a step has no copy of the memory then.
     */
    public long forkAt(Proc like, String program, Object state, String call, JsonNode args, SyscallResult given)
            throws SyscallException {
        if (k.programs.get(program) == null) throw new SyscallException(Errno.ENOENT, "program '" + program + "' is not installed");
        k.procs.admit(like.owner);
        long pid = k.procs.nextPid();
        Proc p = new Proc(pid, Kernel.INIT_PID, like.owner, program, like.nice, like.schedClass, like.caps, like.quotas, k.now());
        p.budget = TreeBudget.of(pid, like.quotas, null);
        p.programState = state;
        if (given != null || call == null) {
            p.lastResult = given;
        } else {
            p.callName = call;
            p.callArgs = args;
        }
        enroll(k.procs.init, p, "fork-at");
        return pid;
    }

    /**
     * A process restored from an image: {@code p}, rebuilt from the image's record under its new
     * pid, owner and capabilities, whose memory and journal are in place, enters the table under
     * {@code parent} (init for the console), READY or PAUSED, and is audited as {@code how} ("restore",
     * or "fork" for a whole-agent fork) with {@code detail}.
     * {@code mailbox} fills its mailbox before it can run.
     */
    public void enrollRestored(Proc parent, Proc p, boolean paused, String how, String detail,
                               org.agentos.kernel.impl.image.Images.Filler mailbox) throws SyscallException {
        k.procs.put(p);
        synchronized (k.procs.tree) {
            Proc actual = parent.state.isTerminal() ? k.procs.init : parent;
            p.ppid = actual.pid;
            if (actual != k.procs.init) {
                if (actual.children == null) actual.children = new LinkedHashSet<>(4);
                actual.children.add(p);
            }
        }
        mailbox.fill(p);
        k.audit.append(new AuditWriter.Entry(k.hal.nanoTime(), k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner,
                how, AuditRecord.OK, 0, detail, parent.pid, null, null));
        synchronized (p) {
            boolean stopped = STOP.equals(p.callName); // it stopped itself: agent:resume answers its call
            if (paused || stopped) {
                p.state = ProcessState.PAUSED;
                if (stopped) p.waitingOn = stoppedBecause(p.callArgs == null ? "" : p.callArgs.path("reason").asText());
            } else {
                p.state = ProcessState.READY;
                k.stepper.enqueueLocked(p);
            }
            k.checkpoints.markDirtyLocked(p);
        }
        k.post(Kernel.TOPIC_SPAWNED, Map.of("pid", p.pid, "ppid", p.ppid, "owner", p.owner, "program", p.programName));
    }

    public CompletionStage<ExitStatus> awaitExit(long pid) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        synchronized (p) {
            if (p.exit != null) return CompletableFuture.completedFuture(p.exit);
            if (p.exitFuture == null) p.exitFuture = new CompletableFuture<>();
            return p.exitFuture.copy();
        }
    }
}
