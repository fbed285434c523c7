package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.journal.CallJournal;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.proc.Proc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the mediation path does with the call journal: record each result a process is given
 * ({@link SyscallEntry#journaled}), hold a result with effects until it is durable, and after a
 * crash serve the results a process had already been given instead of making those calls again.
 * Exact recovery, in {@code docs/kernel.md}.
 */
public final class CallJournaling {
    private static final Logger LOG = LoggerFactory.getLogger(CallJournaling.class);

    private final Kernel k;
    private volatile boolean warnedFailure;

    public CallJournaling(Kernel k) {
        this.k = k;
    }

    /** Whether results are journaled (the kernel keeps state on disk). */
    public boolean on() {
        CallJournal j = k.journal;
        return j != null && j.open();
    }

    /** The identity of the call {@code p} makes now, as tools see it ({@code ToolContext.callId}). */
    public static String callId(Proc p) {
        return p.pid + ":" + (p.journalSeq + 1);
    }

    /** Notes what {@code p} has been charged before its call, for the call's journal record. Holds p. */
    static void beginLocked(Proc p) {
        p.tokensAtCall = p.tokens;
        p.bytesAtCall = p.bytes;
    }

    /**
     * Journals result {@code r} of {@code p}'s call (holds p, so that records are in the
     * process's call order). Returns true when the process must not see it before it is on disk:
     * {@code then} runs (on the journal's thread) once it is; otherwise {@code then} is not used.
     */
    boolean recordLocked(Proc p, SyscallEntry e, String name, JsonNode args, SyscallResult r, Runnable then) {
        CallJournal j = k.journal;
        if (j == null || !j.open() || e != null && !e.journaled()) return false;
        long seq = ++p.journalSeq;
        JournalRecord rec = JournalRecord.result(p.pid, seq, k.now(), name, args, r, p.tokens - p.tokensAtCall,
                p.bytes - p.bytesAtCall);
        if (e == null || !e.hasEffects() || then == null) {
            j.append(rec, null);
            return false;
        }
        p.durableWait = seq;
        j.append(rec, failure -> {
            if (failure != null && !warnedFailure) {
                warnedFailure = true;
                LOG.error("the call journal cannot write ({}); processes go on, but a crash now repeats their last calls",
                        failure.toString());
            }
            synchronized (p) {
                if (p.durableWait != seq) return;
                p.durableWait = 0;
            }
            then.run();
        });
        return true;
    }

    /** The outcome of looking for a call's result in a recovering process's journal. */
    public sealed interface Served permits Served.Result, Served.Diverged {
        record Result(SyscallResult result) implements Served {}

        record Diverged(String why) implements Served {}
    }

    /**
     * For a process recovering after a crash ({@code p.redo}): the result the journal holds for
     * the call it asks for now, which it had already been given; null when nothing is to be served
     * (no more records, or a call the journal does not keep: it is made). A call other than the
     * recorded one is a divergence: the program is not deterministic; the caller ends the step
     * with the call, and {@link #divergedLocked} stops the process there. Holds p.
     */
    public Served serveLocked(Proc p, SyscallEntry e, String name, JsonNode args) {
        if (p.redo == null || e != null && !e.journaled()) return null;
        JournalRecord rec = p.redo.peek();
        if (rec == null) {
            p.redo = null;
            return null;
        }
        if (!isCall(rec, name, args)) {
            return new Served.Diverged("recovery diverged at journaled call " + rec.seq() + ": the journal has "
                    + rec.name() + " " + text(rec.json()) + ", the program now asks for " + name + " " + text(args));
        }
        p.redo.poll();
        if (p.redo.isEmpty()) p.redo = null;
        p.journalSeq = rec.seq();
        p.countSyscall(e == null ? name : e.name);
        p.tokens += rec.tokens();
        p.bytes += rec.bytes();
        return new Served.Result(rec.syscallResult());
    }

    /** A recovering process whose program asked for another call than its journal's: held PAUSED for an operator. Holds p. */
    public void divergedLocked(Proc p, String why) {
        p.redo = null;
        p.state = ProcessState.PAUSED;
        p.waitingOn = why;
        k.checkpoints.markDirtyLocked(p);
        LOG.warn("pid {}: {}", p.pid, why);
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "stop", AuditRecord.OK, 0, why,
                null, null);
    }

    /** JSON equality as a replay needs it: 1 read back from disk (an int) is the 1 a program passed (a long). */
    private static final java.util.Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
        return a.equals(b) ? 0 : 1;
    };

    /**
     * Whether {@code name} with {@code args} is the call {@code rec} recorded (arguments compared
     * as JSON, numbers by value; none and {@code {}} alike): what a recovery and a replay match.
     */
    static boolean isCall(JournalRecord rec, String name, JsonNode args) {
        JsonNode recorded = rec.json();
        if (!rec.name().equals(name)) return false;
        return recorded == null ? args == null || args.isEmpty() : args != null && recorded.equals(SAME_VALUE, args);
    }

    /** A call's arguments for a divergence message: {@code {}} for none, cut at 200 characters. */
    static String text(JsonNode args) {
        if (args == null) return "{}";
        String s = args.toString();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Reads {@code pid}'s records: for the console and replays. */
    public java.util.List<JournalRecord> of(long pid) throws IOException {
        CallJournal j = k.journal;
        return j == null ? java.util.List.of() : j.of(pid);
    }
}
