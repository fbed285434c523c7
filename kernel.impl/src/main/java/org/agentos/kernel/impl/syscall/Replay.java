package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.Programs;

/**
 * {@code agent:replay}: runs a process's program again from its first state against its call
 * journal, touching nothing: each journaled call the program asks for is answered with the
 * recorded result, the others (proc.yield, PURE calls that complete inside a step) are
 * recomputed. Says "N steps, identical" or where the program first asked for another call than
 * the recorded one (as Temporal's NonDeterministicException does). With another program
 * (a new version), it is the check to run before deploying it to processes of the old one.
 */
public final class Replay {
    private final Kernel k;

    public Replay(Kernel k) {
        this.k = k;
    }

    /**
     * What a replay found.
     *
     * @param program    the program replayed
     * @param steps      steps run
     * @param calls      journaled calls served
     * @param journaled  journaled calls the process made
     * @param identical  no divergence
     * @param outcome    how it ended, for people: "exited with code 0", "at the end of the journal" ...
     * @param divergence where it first diverged, or null
     */
    public record Report(String program, long steps, long calls, long journaled, boolean identical, String outcome,
                         String divergence) {}

    /**
     * Where a replay stopped for a fork: the state the program returned at that step and the call
     * it asked for then, with the result the journal holds for it (null when it has none).
     */
    public record At(String program, Object state, String call, JsonNode args, SyscallResult recorded) {}

    /** Replays {@code pid} with its own program, or {@code programName} when not null, for at most {@code maxSteps}. */
    public Report run(long pid, String programName, long maxSteps) throws SyscallException {
        return loop(pid, programName, maxSteps, 0, null);
    }

    /** The state of {@code pid} at step {@code step}, rebuilt by replay (agent:fork --at). */
    public At at(long pid, long step) throws SyscallException {
        if (step < 1) throw new SyscallException(Errno.EINVAL, "steps count from 1");
        At[] at = new At[1];
        Report r = loop(pid, null, step, step, at);
        if (at[0] == null) {
            throw new SyscallException(Errno.EINVAL, "pid " + pid + " has no step " + step + " to fork at: the replay "
                    + (r.divergence() != null ? "diverged at " + r.divergence() : "ended after " + r.steps() + " steps: " + r.outcome()));
        }
        return at[0];
    }

    private Report loop(long pid, String programName, long maxSteps, long stopAfter, At[] at) throws SyscallException {
        List<JournalRecord> records;
        try {
            records = k.journaling.of(pid);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read the call journal: " + e.getMessage());
        }
        // From the newest snapshot a compaction left, else from the start.
        JournalRecord start = null;
        for (JournalRecord r : records) {
            if (r.kind() == JournalRecord.SNAPSHOT && (start == null || start.kind() != JournalRecord.SNAPSHOT || r.seq() > start.seq())
                    || r.kind() == JournalRecord.START && start == null) {
                start = r;
            }
        }
        if (start == null) {
            throw new SyscallException(Errno.ENOENT, "the call journal has no start of pid " + pid
                    + " (spawned before the journal was kept, or ended longer ago than journalRetentionHours)");
        }
        String name = programName == null ? start.name() : programName;
        Programs.ProgramEntry pe = k.programs.get(name);
        if (pe == null) throw new SyscallException(Errno.ENOENT, "no program '" + name + "' is installed");
        Program<Object> program = pe.program();
        boolean fromSnapshot = start.kind() == JournalRecord.SNAPSHOT;
        JsonNode first = fromSnapshot ? start.json().get("state") : start.json();
        Object state;
        try {
            state = JsonNode.class.isAssignableFrom(program.stateType()) ? first
                    : k.json.convertValue(first, program.stateType());
        } catch (IllegalArgumentException e) {
            return new Report(name, 0, 0, 0, false, "not started", "its first state is not a " + program.stateType().getSimpleName()
                    + " of " + name + ": " + e.getMessage());
        }
        Proc self = standIn(pid, start);
        long after = fromSnapshot ? start.seq() : 0;
        List<JournalRecord> results = new java.util.ArrayList<>(records.size());
        for (JournalRecord r : records) if (r.kind() == JournalRecord.RESULT && r.seq() > after) results.add(r);
        Served served = new Served(results.iterator(), results.size());
        if (fromSnapshot) served.from = "(from its snapshot after call " + after + ": older calls were compacted away)";
        SyscallResult last = null;
        long steps = 0;
        if (fromSnapshot && start.json().has("last")) {
            last = org.agentos.kernel.impl.journal.JournalRecovery.resultOf(start.json().get("last"));
        } else if (fromSnapshot && start.json().has("call")) {
            // it was making this call: its result is the first record after the snapshot
            JsonNode call = start.json().get("call");
            if (!served.it.hasNext()) {
                return served.report(name, 0, "at the end of the journal, asking for " + call.path("name").asText()
                        + " (the process was making it, or is still)", null);
            }
            last = served.answer(0, call.path("name").asText(), call.get("args"));
            if (last == null) return served.report(name, 0, null, served.divergence);
        }
        while (steps < maxSteps) {
            if (Thread.interrupted()) { // the console gave up (a timeout, Ctrl-C)
                Thread.currentThread().interrupt();
                return served.report(name, steps, "stopped after " + steps + " steps (interrupted)", null);
            }
            Context ctx = new Context(self, served, steps + 1);
            Step<Object> step;
            try {
                step = program.step(state, last, ctx);
            } catch (RuntimeException | LinkageError e) {
                return served.failed(name, steps + 1, "the program failed in step " + (steps + 1) + ": " + e);
            } finally {
                ctx.open = false;
            }
            steps++;
            if (served.divergence != null) return served.report(name, steps, null, served.divergence);
            if (step == null) return served.failed(name, steps, "step " + steps + " returned null");
            if (step instanceof Step.Exit<Object> x) {
                if (served.it.hasNext()) {
                    JournalRecord next = served.it.next();
                    return served.report(name, steps, null, "step " + steps + ": the program now exits (code " + x.code()
                            + "), the journal has call " + next.seq() + " " + next.name() + " " + CallJournaling.text(next.json()));
                }
                return served.report(name, steps, "exited with code " + x.code(), null);
            }
            Step.Call<Object> c = (Step.Call<Object>) step;
            state = c.state();
            SyscallEntry e = k.syscalls.get(c.syscall());
            if (steps == stopAfter) {
                SyscallResult recorded = null;
                if ((e == null || e.journaled()) && served.it.hasNext()) recorded = served.answer(steps, c.syscall(), c.args());
                if (served.divergence != null) return served.report(name, steps, null, served.divergence);
                at[0] = new At(name, state, c.syscall(), c.args(), recorded);
                return served.report(name, steps, "stopped at step " + steps, null);
            }
            if (e == null || e.journaled()) {
                if (!served.it.hasNext()) return served.report(name, steps, "at the end of the journal, asking for "
                        + c.syscall() + " (the process was making it, or is still)", null);
                last = served.answer(steps, c.syscall(), c.args());
                if (last == null) return served.report(name, steps, null, served.divergence);
            } else {
                last = recompute(self, e, c.args());
            }
        }
        return served.report(name, steps, "stopped after " + maxSteps + " steps (--max-steps)", null);
    }

    /** The process as replay calls see it: the real one if it is still in the table. */
    private Proc standIn(long pid, JournalRecord start) {
        Proc p = k.procs.get(pid);
        if (p != null) return p;
        CapabilitySet all;
        try {
            all = CapabilitySet.of(List.of("*"));
        } catch (SyscallException impossible) {
            all = CapabilitySet.NONE;
        }
        return new Proc(pid, start.ppid(), start.owner(), start.name(), 0, SchedClass.NORMAL, all, Quotas.NONE, start.millis());
    }

    /** A call the journal does not keep: proc.yield, or a PURE call that completes inside a step. */
    private SyscallResult recompute(Proc p, SyscallEntry e, JsonNode args) {
        if (e.blocking == SyscallEntry.Blocking.YIELDS) return SyscallResult.OK;
        if (e.kernelCall != null) {
            try {
                return e.kernelCall.call(p, args == null ? k.json.createObjectNode() : args, false);
            } catch (SyscallException ex) {
                return SyscallResult.error(ex);
            }
        }
        return k.tools.invoke(e, p, args == null ? k.json.createObjectNode() : args, null);
    }

    /** The journal's results, served in order, and the first divergence. */
    private final class Served {
        final Iterator<JournalRecord> it;
        final long journaled;
        long calls;
        String divergence;
        /** Said after the outcome when the replay began at a snapshot; null from the start. */
        String from;

        Served(Iterator<JournalRecord> it, long journaled) {
            this.it = it;
            this.journaled = journaled;
        }

        /** The recorded result of the next journaled call if it is this one; else null, with the divergence noted. */
        SyscallResult answer(long step, String name, JsonNode args) {
            JournalRecord r = it.next();
            if (!CallJournaling.isCall(r, name, args)) {
                divergence = "step " + step + ", journaled call " + r.seq() + ": recorded " + r.name() + " "
                        + CallJournaling.text(r.json()) + ", now " + name + " " + CallJournaling.text(args);
                return null;
            }
            calls++;
            return r.syscallResult();
        }

        Report report(String program, long steps, String outcome, String divergence) {
            return new Report(program, steps, calls, journaled, divergence == null,
                    (divergence == null ? outcome : "diverged") + (from == null ? "" : " " + from), divergence);
        }

        /** The program itself failed: not identical (the process did not), and no call to name. */
        Report failed(String program, long steps, String why) {
            return new Report(program, steps, calls, journaled, false, why, null);
        }
    }

    /** A replay step's context: calls made inside the step are answered as the ones a step ends with. */
    private final class Context implements StepContext {
        private final Proc p;
        private final Served served;
        private final long step;
        volatile boolean open = true;

        Context(Proc p, Served served, long step) {
            this.p = p;
            this.served = served;
            this.step = step;
        }

        @Override
        public long pid() {
            return p.pid;
        }

        @Override
        public boolean replaying() {
            return true;
        }

        @Override
        public SyscallResult callNow(String name, JsonNode args) {
            if (!open || served.divergence != null) return null;
            SyscallEntry e = k.syscalls.get(name);
            if (e == null || !e.completesInStep()) return null;
            if (!e.journaled()) return recompute(p, e, args);
            if (!served.it.hasNext()) return null; // the step ends with it, where the replay says the journal ended
            return served.answer(step, name, args);
        }
    }
}
