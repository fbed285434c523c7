package org.agentos.kernel.impl.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.persist.Checkpoints;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The kernel's side of the call journal at a restart (what each restored process is given back:
 * its results since its checkpoint, a newer snapshot, the locks it held, its cut durable sends)
 * and the views of processes a compaction asks for (ended when, a snapshot now).
 */
public final class JournalRecovery {
    private JournalRecovery() {}

    /**
     * Gives each restored process the results it had been given since its checkpoint (a crash
     * loses up to {@code checkpointMillis} of its steps): its next steps are served from them
     * instead of making those calls again ({@code docs/kernel.md}, "Exact recovery").
     */
    public static void recover(Kernel k) {
        CallJournal.Recovery recovery;
        try {
            recovery = k.journal.recover(pid -> {
                Proc p = k.procs.get(pid);
                if (p == null) return -1;
                synchronized (p) {
                    return p.state.isTerminal() ? -1 : p.journalSeq;
                }
            }, org.agentos.kernel.impl.mem.MemoryCalls.SYNC_CALLS::contains);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the call journal: " + e.getMessage(), e);
        }
        // A compaction's snapshot newer than the checkpoint is where the process was: its state then
        // (the records it stands for are gone from the journal), and what it was given after it.
        for (java.util.Map.Entry<Long, JournalRecord> e : recovery.snapshots().entrySet()) {
            Proc p = k.procs.get(e.getKey());
            synchronized (p) {
                if (e.getValue().seq() > p.journalSeq) applySnapshotLocked(k, p, e.getValue());
            }
        }
        for (java.util.Map.Entry<Long, java.util.ArrayDeque<JournalRecord>> e : recovery.redo().entrySet()) {
            Proc p = k.procs.get(e.getKey());
            synchronized (p) {
                long after = p.journalSeq;
                e.getValue().removeIf(r -> r.seq() <= after);
                if (!e.getValue().isEmpty()) p.redo = e.getValue();
            }
        }
        k.mem.retakeAfterCrash(recovery.kept());
        // durable sends the crash cut (made, their result not journaled) are answered with what they sent, once
        k.ipc.keepCutSends(call -> {
            int colon = call.indexOf(':');
            try {
                Proc p = colon < 0 ? null : k.procs.get(Long.parseLong(call.substring(0, colon)));
                if (p == null) return false;
                synchronized (p) {
                    return !p.state.isTerminal() && Long.parseLong(call.substring(colon + 1)) > p.journalSeq;
                }
            } catch (NumberFormatException notACallId) {
                return false;
            }
        });
    }

    /**
     * For a compaction of the call journal: live process {@code pid} as a snapshot (its state, with
     * the result it has not stepped with yet or the call it is making, after its journaled calls so
     * far), or null when it cannot be (ended, or its state does not serialise).
     */
    public static JournalRecord snapshotOf(Kernel k, long pid) {
        Proc p = k.procs.get(pid);
        if (p == null) return null;
        synchronized (p) {
            if (p.state.isTerminal()) return null;
            return snapshotLocked(k, p, p.pid);
        }
    }

    /**
     * Process {@code p} as a snapshot record of {@code pid} (itself, or a whole-agent fork of it
     * whose replay starts at the fork), or null when its state does not serialise. Holds p.
     */
    public static JournalRecord snapshotLocked(Kernel k, Proc p, long pid) {
        ObjectNode snap = k.json.createObjectNode();
        try {
            snap.set("state", k.json.valueToTree(p.programState));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (p.callName != null) {
            snap.putObject("call").put("name", p.callName).set("args", p.callArgs);
        } else if (p.lastResult != null) {
            snap.set("last", resultJson(k, p.lastResult));
        }
        return JournalRecord.snapshot(pid, Checkpoints.consistentSeq(p), k.now(), p.programName, p.owner, snap);
    }

    /** A syscall result as a snapshot keeps it: {@code {value}} or {@code {errno, message}}. */
    static ObjectNode resultJson(Kernel k, SyscallResult r) {
        ObjectNode o = k.json.createObjectNode();
        if (r.isOk()) o.set("value", r.value());
        else o.put("errno", r.errno().name()).put("message", r.message());
        return o;
    }

    /** The result a snapshot keeps ({@link #resultJson}). */
    public static SyscallResult resultOf(JsonNode o) {
        if (o.hasNonNull("errno")) {
            Errno e;
            try {
                e = Errno.valueOf(o.get("errno").asText());
            } catch (IllegalArgumentException unknown) {
                e = Errno.EIO;
            }
            return SyscallResult.error(e, o.path("message").asText());
        }
        return SyscallResult.ok(o.get("value"));
    }

    /** The process continues from a snapshot the journal holds (newer than its checkpoint). Holds p. */
    private static void applySnapshotLocked(Kernel k, Proc p, JournalRecord snap) {
        JsonNode s = snap.json();
        p.programState = s.get("state"); // JSON: the stepper makes it typed, as for a checkpoint
        p.journalSeq = snap.seq();
        p.lastResult = s.has("last") ? resultOf(s.get("last")) : null;
        p.callName = s.has("call") ? s.get("call").path("name").asText() : null;
        p.callArgs = s.has("call") ? s.get("call").get("args") : null;
        p.sleepUntilMillis = 0;
        p.waitFor = Long.MIN_VALUE;
        k.checkpoints.markDirtyLocked(p);
    }

    /** For the call journal's retention: {@link CallJournal#LIVE}, when {@code pid} ended, or {@link CallJournal#UNKNOWN}. */
    public static long endedMillis(Kernel k, long pid) {
        Proc p = k.procs.get(pid);
        if (p == null) return CallJournal.UNKNOWN;
        synchronized (p) {
            return p.state.isTerminal() ? Math.max(1, p.endedMillis) : CallJournal.LIVE;
        }
    }
}
