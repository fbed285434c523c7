package org.agentos.kernel.impl.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.agentos.kernel.api.journal.Journal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call journal ({@code journal/calls.log}, a {@link Journal}): for every process, when it
 * started (program, owner, first state), each call whose result a replay cannot recompute with
 * that result, and its exit. One file for all processes, written in group commits; a process's
 * records are in its call order because they are appended under its lock.
 *
 * <p>Retention: once the file has grown past {@link #COMPACT_ABOVE_BYTES} and doubled, it is
 * rewritten with the records of processes that still live, or ended less than
 * {@code retentionMillis} ago; independent of the audit log's rotation. A live process's older
 * records give way to one {@link JournalRecord#SNAPSHOT} of its state (replay starts there), so
 * a process that runs for months does not fill the disk; the results of its lock and semaphore
 * calls stay (what it holds is folded from them after a crash).
 */
public final class CallJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CallJournal.class);

    static final long COMPACT_ABOVE_BYTES = 64L << 20;

    /** What the kernel knows of a pid: {@link #LIVE}, {@link #UNKNOWN}, or when it ended (epoch ms). */
    public static final long LIVE = -1;
    public static final long UNKNOWN = 0;

    private final Path file;
    private final ObjectMapper json;
    private final long retentionMillis;
    private final LongSupplier clock;
    private final LongUnaryOperator endedMillis;
    private final java.util.function.LongFunction<JournalRecord> snapshots;
    /** Calls whose results every compaction keeps (lock and semaphore calls); from {@link #recover}. */
    private volatile java.util.function.Predicate<String> whole = name -> false;
    private volatile Journal log;

    /**
     * @param dir             the kernel's data directory
     * @param endedMillis     for a pid: {@link #LIVE}, when it ended, or {@link #UNKNOWN} (not in the table)
     * @param snapshots       for a live pid: a {@link JournalRecord#SNAPSHOT} of it now, or null to keep all its records
     */
    public CallJournal(Path dir, ObjectMapper json, long retentionMillis, LongSupplier clock, LongUnaryOperator endedMillis,
                       java.util.function.LongFunction<JournalRecord> snapshots) {
        this.snapshots = snapshots;
        this.file = dir.resolve("journal").resolve("calls.log");
        this.json = json;
        this.retentionMillis = retentionMillis;
        this.clock = clock;
        this.endedMillis = endedMillis;
    }

    /**
     * What a restart takes from the journal: per pid, the results after its checkpoint, in order
     * (what the process had been given since: {@code redo}); and every successful result, from
     * the start, of the calls {@code whole} names, of the same processes ({@code kept}: the
     * locks and semaphores they held).
     */
    public record Recovery(Map<Long, ArrayDeque<JournalRecord>> redo, List<JournalRecord> kept,
                           Map<Long, JournalRecord> snapshots) {}

    /**
     * Reads the journal as a crash left it (a torn last round is cut off) and opens it for
     * appending. {@code checkpointedSeq}: a pid's count of journaled calls in its checkpoint
     * (negative: a process not to recover).
     */
    public Recovery recover(LongUnaryOperator checkpointedSeq, java.util.function.Predicate<String> whole) throws IOException {
        this.whole = whole;
        Map<Long, ArrayDeque<JournalRecord>> redo = new HashMap<>();
        List<JournalRecord> kept = new ArrayList<>();
        Map<Long, JournalRecord> snaps = new HashMap<>();
        long[] read = {0, 0};
        Journal.read(file, b -> {
            read[0]++;
            byte kind = JournalRecord.kindOf(b);
            if (kind != JournalRecord.RESULT && kind != JournalRecord.SNAPSHOT) return;
            JournalRecord r;
            long after;
            try {
                after = checkpointedSeq.applyAsLong(JournalRecord.pidOf(b));
                if (after < 0) return;
                r = JournalRecord.decode(b, json);
            } catch (IOException unreadable) {
                // whole (its checksum holds) but not a record this kernel reads: skipped, the boot goes on
                if (read[1]++ == 0) LOG.warn("call journal {}: skipping a record it cannot read ({})", file, unreadable.getMessage());
                return;
            }
            long pid = r.pid();
            if (kind == JournalRecord.SNAPSHOT) {
                snaps.merge(pid, r, (a, c) -> c.seq() >= a.seq() ? c : a);
                return;
            }
            if (r.seq() > after) redo.computeIfAbsent(pid, x -> new ArrayDeque<>()).add(r);
            if (r.errno() == null && whole.test(r.name())) kept.add(r);
        });
        log = Journal.open(file, COMPACT_ABOVE_BYTES, this::retained);
        if (!redo.isEmpty()) LOG.info("call journal: {} records read, results to give back to {} processes", read[0], redo.size());
        return new Recovery(redo, kept, snaps);
    }

    /** Whether the journal is open (the kernel keeps state on disk and has started). */
    public boolean open() {
        return log != null;
    }

    /** Queues a record; {@code done} (may be null) runs once it is on disk. */
    public void append(JournalRecord r, Journal.Done done) {
        Journal j = log;
        if (j == null) {
            if (done != null) done.run(new IOException("the call journal is closed"));
            return;
        }
        j.append(r.encode(json), done);
    }

    /** Every record of {@code pid} in the journal, oldest first (reads the file, once what was appended so far is in it). */
    public List<JournalRecord> of(long pid) throws IOException {
        Journal j = log;
        if (j != null) j.flush(); // a result is appended before it is on disk unless it has effects
        List<JournalRecord> out = new ArrayList<>();
        Journal.readWhole(file, b -> {
            if (JournalRecord.pidOf(b) == pid) out.add(JournalRecord.decode(b, json));
        });
        return out;
    }

    /**
     * The records of each of {@code pids}, oldest first, in one read of the file, for an image:
     * arguments and results kept as the JSON text they are ({@link JournalRecord#decode(byte[], ObjectMapper, boolean)}).
     */
    public java.util.Map<Long, List<JournalRecord>> forImage(java.util.Set<Long> pids) throws IOException {
        Journal j = log;
        if (j != null) j.flush();
        java.util.Map<Long, List<JournalRecord>> out = new java.util.HashMap<>();
        for (long pid : pids) out.put(pid, new ArrayList<>());
        Journal.readWhole(file, b -> {
            List<JournalRecord> of = out.get(JournalRecord.pidOf(b));
            if (of != null) of.add(JournalRecord.decode(b, json, true));
        });
        return out;
    }

    /** Rewrites the journal with what the retention keeps, now (queued behind the records appended so far). */
    public void compactNow() {
        Journal j = log;
        if (j != null) j.compact(this::retained);
    }

    /** Bytes of the journal on disk. */
    public long size() {
        Journal j = log;
        return j == null ? 0 : j.size();
    }

    /**
     * The records worth keeping, for a compaction: of processes ended within the retention, and
     * of live ones from a snapshot of each on (with their lock and semaphore results).
     */
    private void retained(Journal.Records out) throws IOException {
        long now = clock.getAsLong();
        Map<Long, Long> exits = new HashMap<>();
        Journal.readWhole(file, b -> {
            if (JournalRecord.kindOf(b) != JournalRecord.EXIT) return;
            try {
                exits.put(JournalRecord.pidOf(b), JournalRecord.decode(b, json).millis());
            } catch (IOException unreadable) {
                // kept as it is below
            }
        });
        Map<Long, JournalRecord> snaps = new HashMap<>();
        java.util.Set<Long> written = new java.util.HashSet<>();
        long[] kept = {0, 0};
        Journal.readWhole(file, b -> {
            long pid = JournalRecord.pidOf(b);
            long ended = endedMillis.applyAsLong(pid);
            if (ended == UNKNOWN) ended = exits.getOrDefault(pid, UNKNOWN);
            if (ended != LIVE && (ended == UNKNOWN || now - ended >= retentionMillis)) {
                kept[1]++;
                return;
            }
            JournalRecord snap = ended == LIVE ? snaps.computeIfAbsent(pid, x -> {
                JournalRecord s = snapshots.apply(x);
                return s == null ? NO_SNAPSHOT : s;
            }) : NO_SNAPSHOT;
            if (snap == NO_SNAPSHOT) {
                out.add(b);
                kept[0]++;
                return;
            }
            if (written.add(pid)) out.add(snap.encode(json)); // where the process's records began
            byte kind = JournalRecord.kindOf(b);
            JournalRecord r;
            try {
                r = kind == JournalRecord.RESULT ? JournalRecord.decode(b, json) : null;
            } catch (IOException unreadable) {
                out.add(b); // not this kernel's to judge: kept
                kept[0]++;
                return;
            }
            if (r != null && (r.seq() > snap.seq() || r.errno() == null && whole.test(r.name()))) {
                out.add(b);
                kept[0]++;
            } else {
                kept[1]++;
            }
        });
        LOG.info("call journal compacted: {} records kept, {} dropped (processes ended over {} ms ago)", kept[0], kept[1],
                retentionMillis);
    }

    private static final JournalRecord NO_SNAPSHOT = JournalRecord.exit(0, 0);

    @Override
    public void close() {
        Journal j = log;
        log = null;
        if (j != null) j.close();
    }
}
