package org.agentos.kernel.impl.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: JSON lines in rotating segment files under {@code <data>/audit/}, written by one
 * thread that drains a bounded queue and commits each batch with one fsync (group commit).
 * Appending never drops a record: when the writer falls behind, appenders wait for queue space.
 * A torn last line left by a crash is cut off when the log is opened again.
 *
 * <p>Two streams with the same bounds (segment count and age): {@code audit-*} has every
 * record; {@code notable-*} has again the few that matter longest, errors, denials and
 * lifecycle records. With 10,000 busy agents the first holds minutes, the second days, so an
 * EPERM is still there long after the calls around it are gone. Reads take the newest records
 * from memory, then the first stream, then the second for what is older.
 */
public final class AuditWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final String PREFIX = "audit-";
    private static final String NOTABLE_PREFIX = "notable-";
    private static final int RING = 16384;
    private static final int STRIPES = 4;

    /** An appended record; the writer gives it its sequence number, in file order. */
    public static final class Entry {
        long seq;
        /** Bytes its arguments and result took in the log line, once encoded; -1 before (or without a log). */
        int treeBytes = -1;
        /** The kernel's monotonic clock when the record was made: the writer orders records by it. */
        final long stamp;
        final long time;
        final String kind;
        final long pid;
        final String owner;
        final String name;
        final String outcome;
        final long nanos;
        final String detail;
        /** When positive, the writer adds " by pid {ref}" to the detail: no string building on the hot path. */
        final long byPid;
        final JsonNode args;
        final JsonNode result;

        public Entry(long stamp, long time, String kind, long pid, String owner, String name, String outcome, long nanos,
              String detail, long byPid, JsonNode args, JsonNode result) {
            this.stamp = stamp;
            this.time = time;
            this.kind = kind;
            this.pid = pid;
            this.owner = owner;
            this.name = name;
            this.outcome = outcome;
            this.nanos = nanos;
            this.detail = detail;
            this.byPid = byPid;
            this.args = args;
            this.result = result;
        }

        String fullDetail() {
            return byPid > 0 ? detail + " by pid " + byPid : detail;
        }

        AuditRecord toRecord() {
            return new AuditRecord(seq, time, kind, pid, owner, name, outcome, nanos, fullDetail(), args, result);
        }

        /**
         * The entry as the in-memory ring keeps it: arguments and results larger than
         * {@value #RING_NODES} JSON nodes are replaced by a note. The ring holds 16k records; kept
         * whole, received message batches would make it hundreds of megabytes of live heap. The log
         * on disk has them whole.
         */
        Entry forRing() {
            // Small once encoded means few values (at least 2 bytes each in JSON): no need to count
            // them, which would make every lazily built result (a received message) build its nodes.
            if (treeBytes >= 0 && treeBytes <= RING_BYTES) return this;
            boolean bigArgs = args != null && larger(args, RING_NODES);
            boolean bigResult = result != null && larger(result, RING_NODES);
            if (!bigArgs && !bigResult) return this;
            Entry e = new Entry(stamp, time, kind, pid, owner, name, outcome, nanos, detail, byPid,
                    bigArgs ? elided(args) : args, bigResult ? elided(result) : result);
            e.seq = seq;
            return e;
        }

        static final int RING_NODES = 64;
        /** Encoded arguments and result up to this many bytes hold at most 128 JSON values: kept whole. */
        static final int RING_BYTES = 256;

        private static boolean larger(JsonNode n, int budget) {
            return count(n, budget) > budget;
        }

        /** JSON values in n, counting stops once past the budget. */
        private static int count(JsonNode n, int budget) {
            if (!n.isContainerNode()) return 1;
            if (n.size() >= budget) return budget + 1;
            int c = 1;
            for (JsonNode x : n) {
                c += count(x, budget - c);
                if (c > budget) return c;
            }
            return c;
        }

        private static JsonNode elided(JsonNode n) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("elided", "more than " + RING_NODES + " JSON values; the audit log on disk keeps them whole");
        }
    }

    private final java.util.function.LongSupplier clock;
    private final Path dir;
    private final boolean fsync;
    /** Every record; null in memory-only mode. */
    private final AuditSegments all;
    /** Errors, denials and lifecycle records again, which outlive the rest. */
    private final AuditSegments notable;
    private final ObjectMapper mapper;
    /** Appenders spread over stripes so that CPU workers do not contend on one queue lock. */
    private final ArrayBlockingQueue<Entry>[] stripes;
    private final ThreadLocal<ArrayBlockingQueue<Entry>> myStripe;
    private final java.util.concurrent.atomic.AtomicInteger nextStripe = new java.util.concurrent.atomic.AtomicInteger();
    private final Entry[] ring = new Entry[RING];
    private final Thread writer;
    /** Writes and fsyncs encoded batches; null in memory-only mode. */
    private final Thread syncer;
    private final java.util.concurrent.BlockingQueue<Batch> toSyncer = new ArrayBlockingQueue<>(2);
    private final java.util.concurrent.BlockingQueue<Buffers> freeBuffers = new ArrayBlockingQueue<>(2);
    private final Object flushed = new Object();
    private long ringCount;
    /** sync() takes a ticket; the writer completes a ticket once a drain that began after it is on disk. */
    private final java.util.concurrent.atomic.AtomicLong syncTickets = new java.util.concurrent.atomic.AtomicLong();
    private volatile long syncedTicket;
    private volatile boolean closing;
    private long seq;
    private final java.util.function.LongSupplier wallClock;

    /**
     * {@code clock}: the monotonic clock (ns) that stamps every {@link Entry}; {@code wallClock}
     * judges the age of segments against {@code retentionMillis} (0: by count only).
     */
    public AuditWriter(Path dir, boolean fsync, long segmentBytes, int segmentsKept, long retentionMillis, ObjectMapper mapper,
                java.util.function.LongSupplier clock, java.util.function.LongSupplier wallClock) {
        this.clock = clock;
        this.wallClock = wallClock;
        this.dir = dir;
        this.fsync = fsync;
        this.all = dir == null ? null : new AuditSegments(dir, PREFIX, segmentBytes, segmentsKept, retentionMillis, wallClock);
        this.notable = dir == null ? null
                : new AuditSegments(dir, NOTABLE_PREFIX, segmentBytes, segmentsKept, retentionMillis, wallClock);
        this.mapper = mapper;
        @SuppressWarnings("unchecked")
        ArrayBlockingQueue<Entry>[] qs = new ArrayBlockingQueue[STRIPES];
        for (int i = 0; i < qs.length; i++) qs[i] = new ArrayBlockingQueue<>(1 << 14);
        this.stripes = qs;
        this.myStripe = ThreadLocal.withInitial(() -> stripes[nextStripe.getAndIncrement() % STRIPES]);
        if (dir != null) {
            try {
                seq = Math.max(all.open(mapper), notable.open(mapper));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the audit log in " + dir, e);
            }
        }
        freeBuffers.add(new Buffers(new JsonLines(), new JsonLines()));
        freeBuffers.add(new Buffers(new JsonLines(), new JsonLines()));
        if (all != null) {
            syncer = new Thread(this::syncLoop, "agentos-audit-sync");
            syncer.setDaemon(true);
            syncer.start();
        } else {
            syncer = null;
        }
        writer = new Thread(this::writeLoop, "agentos-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    public void append(long time, String kind, long pid, String owner, String name, String outcome, long nanos,
                String detail, JsonNode args, JsonNode result) {
        append(new Entry(clock.getAsLong(), time, kind, pid, owner, name, outcome, nanos, detail, 0, args, result));
    }

    // ------------------------------------------------------------------ per-owner rate

    /** Syscall records one owner may add per second (bursts of five seconds' worth); 0: no limit. */
    private volatile int ownerRecordsPerSecond;
    private final java.util.concurrent.ConcurrentHashMap<String, OwnerRate> rates = new java.util.concurrent.ConcurrentHashMap<>();
    /** The name of the record that stands for an owner's records beyond its rate. */
    static final String SUPPRESSED = "audit.suppressed";

    /**
     * One owner's budget of syscall records and what went over it. Why: one agent calling in a
     * tight loop wrote 1.6 million records a second and pushed every other tenant's records out of
     * the log within two minutes. Records beyond the rate are counted by call and outcome and
     * written as one {@value #SUPPRESSED} record (kept with the notable ones); lifecycle records
     * are never held back.
     */
    private static final class OwnerRate {
        double tokens;
        long lastNanos;
        long suppressed;
        long firstSuppressedMillis;
        final java.util.TreeMap<String, Long> byCall = new java.util.TreeMap<>();
    }

    public void setOwnerRecordsPerSecond(int perSecond) {
        if (perSecond < 0) throw new IllegalArgumentException("audit records per owner and second must be >= 0 (0: no limit)");
        ownerRecordsPerSecond = perSecond;
    }

    /** Records accepted and not yet taken by the writer. */
    public int backlog() {
        int n = 0;
        for (ArrayBlockingQueue<Entry> q : stripes) n += q.size();
        return n;
    }

    public void append(Entry e) {
        int rate = ownerRecordsPerSecond;
        if (rate > 0 && AuditRecord.SYSCALL.equals(e.kind) && e.owner != null) {
            Entry summary;
            OwnerRate r = rates.computeIfAbsent(e.owner, o -> {
                OwnerRate fresh = new OwnerRate();
                fresh.tokens = 5.0 * rate;
                fresh.lastNanos = e.stamp;
                return fresh;
            });
            synchronized (r) {
                r.tokens = Math.min(5.0 * rate, r.tokens + (e.stamp - r.lastNanos) * (double) rate / 1e9);
                r.lastNanos = e.stamp;
                if (r.tokens < 1) {
                    if (r.suppressed++ == 0) r.firstSuppressedMillis = e.time;
                    if (r.byCall.size() < 64) r.byCall.merge(AuditRecord.OK.equals(e.outcome) ? e.name : e.name + " " + e.outcome, 1L, Long::sum);
                    return;
                }
                r.tokens -= 1;
                summary = summaryOf(e.owner, r, e.stamp, e.time);
            }
            if (summary != null) enqueue(summary);
        }
        enqueue(e);
    }

    /** The record for what {@code r} held back since its last summary, or null; resets it. Holds r. */
    private static Entry summaryOf(String owner, OwnerRate r, long stamp, long time) {
        if (r.suppressed == 0) return null;
        StringBuilder d = new StringBuilder().append(r.suppressed).append(" syscall records of owner ").append(owner)
                .append(" over its rate since ").append(java.time.Instant.ofEpochMilli(r.firstSuppressedMillis)).append(':');
        r.byCall.forEach((call, n) -> d.append(' ').append(call).append(" x").append(n).append(','));
        d.setLength(d.length() - 1);
        r.suppressed = 0;
        r.byCall.clear();
        return new Entry(stamp, time, AuditRecord.SYSCALL, 0, owner, SUPPRESSED, "suppressed", 0, d.toString(), 0, null, null);
    }

    /**
     * The summaries of owners that went quiet after going over their rate: taken by the writer
     * once a second, straight into its batch (the writer must not wait on its own queues).
     */
    private List<Entry> takeSummaries(long stamp, long time) {
        List<Entry> out = new ArrayList<>();
        for (var e : rates.entrySet()) {
            synchronized (e.getValue()) {
                Entry summary = summaryOf(e.getKey(), e.getValue(), stamp, time);
                if (summary != null) out.add(summary);
            }
        }
        return out;
    }

    private void enqueue(Entry e) {
        ArrayBlockingQueue<Entry> q = myStripe.get();
        if (!q.offer(e)) {
            boolean interrupted = false;
            while (true) {
                try {
                    q.put(e);
                    break;
                } catch (InterruptedException ie) {
                    // The record matters more than the interrupt: keep it, restore the flag after.
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Waits until every record appended before this call is written (and fsynced if configured). */
    public void sync() {
        long ticket = syncTickets.incrementAndGet();
        synchronized (flushed) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (syncedTicket < ticket && (writer.isAlive() || (syncer != null && syncer.isAlive()))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("audit log sync timed out after 10 s");
                    return;
                }
                try {
                    flushed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The newest matching records, oldest first: from memory, then from older segments on disk. */
    public List<AuditRecord> read(AuditQuery q) {
        sync();
        ArrayDeque<AuditRecord> newestFirst = new ArrayDeque<>();
        long oldestInRing;
        synchronized (ring) {
            long n = Math.min(ringCount, RING);
            oldestInRing = n == 0 ? Long.MAX_VALUE : ring[(int) ((ringCount - n) % RING)].seq;
            for (long i = ringCount - 1; i >= ringCount - n && newestFirst.size() < q.limit(); i--) {
                AuditRecord r = ring[(int) (i % RING)].toRecord();
                if (q.matches(r)) newestFirst.addLast(r);
            }
        }
        if (newestFirst.size() < q.limit() && dir != null && oldestInRing > 1) {
            readFromDisk(all.list(), q, oldestInRing, newestFirst);
            if (newestFirst.size() < q.limit()) {
                AuditSegments.Span span = all.span(mapper);
                long before = Math.min(oldestInRing, span == null ? Long.MAX_VALUE : span.oldestSeq());
                readFromDisk(notable.list(), q, before, newestFirst);
            }
        }
        List<AuditRecord> out = new ArrayList<>(newestFirst);
        Collections.reverse(out);
        return out;
    }

    private void readFromDisk(List<Path> segments, AuditQuery q, long beforeSeq, ArrayDeque<AuditRecord> newestFirst) {
        Collections.reverse(segments);
        for (Path s : segments) {
            ArrayDeque<AuditRecord> fromThis = new ArrayDeque<>();
            try (BufferedReader in = Files.newBufferedReader(s, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) continue;
                    AuditRecord r;
                    try {
                        r = mapper.readValue(line, AuditRecord.class);
                    } catch (IOException e) {
                        continue;
                    }
                    if (r.seq() >= beforeSeq || !q.matches(r)) continue;
                    fromThis.addLast(r);
                    if (fromThis.size() > q.limit()) fromThis.removeFirst();
                }
            } catch (IOException e) {
                LOG.warn("cannot read audit segment {}: {}", s, e.toString());
                continue;
            }
            while (!fromThis.isEmpty() && newestFirst.size() < q.limit()) {
                newestFirst.addLast(fromThis.removeLast());
            }
            if (newestFirst.size() >= q.limit()) return;
        }
    }

    /**
     * Drains every stripe, gives the records their sequence numbers and encodes them; the syncer
     * thread writes and fsyncs the previous batch meanwhile (two buffers: group commit without
     * stopping the drain during an fsync). Between drains the writer naps briefly while busy (so
     * appenders never pay to wake it) and blocks on a stripe once the log has been idle a while.
     */
    private void writeLoop() {
        List<Entry> batch = new ArrayList<>(8192);
        List<Entry> held = new ArrayList<>();
        int idleRounds = 0;
        long submitted = 0;
        long nextSummaries = clock.getAsLong() + 1_000_000_000L;
        try {
            while (true) {
                long ticket = syncTickets.get();
                long drainStart = clock.getAsLong();
                if (drainStart - nextSummaries >= 0) {
                    nextSummaries = drainStart + 1_000_000_000L;
                    if (ownerRecordsPerSecond > 0) batch.addAll(takeSummaries(drainStart, wallClock.getAsLong()));
                }
                batch.addAll(held);
                held.clear();
                for (ArrayBlockingQueue<Entry> q : stripes) q.drainTo(batch);
                if (!batch.isEmpty()) {
                    orderAndHoldBack(batch, held, drainStart);
                }
                if (batch.isEmpty()) {
                    if (held.isEmpty()) {
                        if (syncer == null) {
                            completeSync(ticket);
                        } else if (ticket > submitted) {
                            toSyncer.put(new Batch(null, ticket));
                            submitted = ticket;
                        }
                        if (closing) break;
                    }
                    if (++idleRounds < 100 || !held.isEmpty()) {
                        LockSupport.parkNanos(this, 200_000);
                    } else {
                        Entry first = stripes[0].poll(20, TimeUnit.MILLISECONDS);
                        if (first != null) held.add(first);
                    }
                    continue;
                }
                idleRounds = 0;
                Buffers out = syncer == null ? null : freeBuffers.take();
                if (out != null) out.reset();
                for (Entry e : batch) {
                    e.seq = ++seq;
                    if (out != null) {
                        int start = out.all.length();
                        encode(out.all, e);
                        if (isNotable(e)) out.notable.bytes(out.all.array(), start, out.all.length() - start);
                    }
                }
                synchronized (ring) {
                    for (Entry e : batch) {
                        ring[(int) (ringCount++ % RING)] = e.forRing();
                    }
                }
                batch.clear();
                // Records stamped before this round began are all written now; later ones may be held.
                if (syncer == null) {
                    completeSync(ticket);
                } else {
                    toSyncer.put(new Batch(out, ticket));
                    submitted = ticket;
                }
            }
        } catch (InterruptedException e) {
            LOG.warn("audit writer interrupted; records still queued are lost");
        } finally {
            if (syncer != null) {
                try {
                    toSyncer.put(Batch.END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Puts a drained batch in stamp order and moves the records stamped at or after
     * {@code drainStart} to {@code held}, for the next round. Why: appenders use per-thread
     * stripes, and a process whose steps move between workers appends to several of them. A
     * record's stamp is taken before it is queued, and a process's next record is made only
     * after that, so once every record stamped before the drain began is in the batch (which
     * holding back the later ones guarantees), stamp order keeps each process's records in the
     * order they happened.
     */
    private static void orderAndHoldBack(List<Entry> batch, List<Entry> held, long drainStart) {
        batch.sort(BY_STAMP); // TimSort: the stripes' runs are already sorted, so this is a merge
        int cut = batch.size();
        while (cut > 0 && batch.get(cut - 1).stamp - drainStart >= 0) cut--;
        if (cut < batch.size()) {
            List<Entry> later = batch.subList(cut, batch.size());
            held.addAll(later);
            later.clear();
        }
    }

    private static final java.util.Comparator<Entry> BY_STAMP = (a, b) -> Long.compare(a.stamp - b.stamp, 0);

    /** Errors, denials (any outcome but ok) and lifecycle records: kept in the second stream too. */
    static boolean isNotable(Entry e) {
        return !AuditRecord.OK.equals(e.outcome) || !AuditRecord.SYSCALL.equals(e.kind);
    }

    /** A batch's encoded lines: all of them, and the notable ones again. */
    private record Buffers(JsonLines all, JsonLines notable) {
        void reset() {
            all.reset();
            notable.reset();
        }
    }

    /** Encoded lines for the syncer ({@code lines} null: nothing new, just complete the ticket). */
    private record Batch(Buffers lines, long ticket) {
        static final Batch END = new Batch(null, -1);
    }

    /** Writes and fsyncs batches in order, then completes their sync tickets. */
    private void syncLoop() {
        try {
            while (true) {
                Batch b = toSyncer.take();
                if (b == Batch.END) break;
                if (b.lines() != null) {
                    commit(b.lines());
                    freeBuffers.put(b.lines());
                }
                completeSync(b.ticket());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            all.close();
            notable.close();
        }
    }

    private void completeSync(long ticket) {
        if (ticket <= syncedTicket) return;
        synchronized (flushed) {
            syncedTicket = ticket;
            flushed.notifyAll();
        }
    }

    private static final byte[] SEQ = JsonLines.encodeAscii("{\"seq\":");
    private static final byte[] TIME = JsonLines.encodeAscii(",\"time\":");
    private static final byte[] KIND_SYSCALL = JsonLines.encodeAscii(",\"kind\":\"syscall\",\"pid\":");
    private static final byte[] KIND_LIFECYCLE = JsonLines.encodeAscii(",\"kind\":\"lifecycle\",\"pid\":");
    private static final byte[] OWNER = JsonLines.encodeAscii(",\"owner\":");
    private static final byte[] NAME = JsonLines.encodeAscii(",\"name\":");
    private static final byte[] OUTCOME_OK = JsonLines.encodeAscii(",\"outcome\":\"ok\",\"nanos\":");
    private static final byte[] OUTCOME = JsonLines.encodeAscii(",\"outcome\":");
    private static final byte[] NANOS = JsonLines.encodeAscii(",\"nanos\":");
    private static final byte[] DETAIL = JsonLines.encodeAscii(",\"detail\":");
    private static final byte[] ARGS = JsonLines.encodeAscii(",\"args\":");
    private static final byte[] RESULT = JsonLines.encodeAscii(",\"result\":");
    private static final byte[] END = JsonLines.encodeAscii("}\n");

    /** One JSON line, in the field order of {@link AuditRecord}; constant parts are pre-encoded. */
    static void encode(JsonLines out, Entry e) {
        out.bytes(SEQ).sequence(e.seq).bytes(TIME).repeatedNumber(e.time);
        if (AuditRecord.SYSCALL.equals(e.kind)) out.bytes(KIND_SYSCALL);
        else if (AuditRecord.LIFECYCLE.equals(e.kind)) out.bytes(KIND_LIFECYCLE);
        else out.field("kind", false).string(e.kind).field("pid", false);
        out.number(e.pid);
        if (e.owner != null) out.bytes(OWNER).repeatedString(e.owner);
        out.bytes(NAME).repeatedString(e.name);
        if (AuditRecord.OK.equals(e.outcome)) out.bytes(OUTCOME_OK);
        else out.bytes(OUTCOME).repeatedString(e.outcome).bytes(NANOS);
        out.number(e.nanos);
        if (e.detail != null) out.bytes(DETAIL).string(e.fullDetail());
        int trees = out.length();
        if (e.args != null) out.bytes(ARGS).json(e.args);
        if (e.result != null) out.bytes(RESULT).json(e.result);
        e.treeBytes = out.length() - trees;
        out.bytes(END);
    }

    private void commit(Buffers buf) {
        try {
            all.write(buf.all.array(), 0, buf.all.length(), fsync);
            if (buf.notable.length() > 0) notable.write(buf.notable.array(), 0, buf.notable.length(), fsync);
        } catch (IOException e) {
            // Keep the kernel running; the records stay readable from memory. Operators see this in the log.
            LOG.error("audit log write failed in {}: {}", dir, e.toString());
        }
    }

    /** Deletes segments past the count or the retention period (the kernel calls it hourly; rotation does too). */
    public void expire() {
        if (all == null) return;
        all.expire();
        notable.expire();
    }

    /** How far back the log goes, for kernel:subsystems. */
    public String retention() {
        if (all == null) return "in memory only: the newest " + RING + " records";
        return "every record " + since(all.span(mapper)) + "; errors, denials and lifecycle " + since(notable.span(mapper));
    }

    private static String since(AuditSegments.Span span) {
        if (span == null) return "(none yet)";
        return "since " + java.time.Instant.ofEpochMilli(span.oldestMillis()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + " (" + span.segments() + " segments, " + (span.bytes() >> 20) + " MiB)";
    }

    @Override
    public void close() {
        // what was held back goes in before the log closes: a summary is never lost with a stop
        for (Entry summary : takeSummaries(clock.getAsLong(), wallClock.getAsLong())) enqueue(summary);
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
            if (syncer != null) syncer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
