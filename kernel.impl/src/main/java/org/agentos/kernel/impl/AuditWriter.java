package org.agentos.kernel.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: JSON lines in rotating segment files under {@code <data>/audit/}, written by one
 * thread that drains a bounded queue and commits each batch with one fsync (group commit).
 * Appending never drops a record: when the writer falls behind, appenders wait for queue space.
 * A torn last line left by a crash is cut off when the log is opened again.
 */
final class AuditWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final String PREFIX = "audit-";
    private static final String SUFFIX = ".jsonl";
    private static final int RING = 16384;

    /** An appended record before the writer gives it its sequence number. */
    private record Pending(long time, String kind, long pid, String owner, String name, String outcome, long nanos,
                           String detail, JsonNode args, JsonNode result) {}

    private final Path dir;
    private final boolean fsync;
    private final long segmentBytes;
    private final int segmentsKept;
    private final ObjectMapper mapper;
    private final JsonFactory factory;
    private final ArrayBlockingQueue<Pending> queue = new ArrayBlockingQueue<>(1 << 16);
    private final AuditRecord[] ring = new AuditRecord[RING];
    private final Thread writer;
    private final Object flushed = new Object();
    private long ringCount;
    private final java.util.concurrent.atomic.AtomicLong appended = new java.util.concurrent.atomic.AtomicLong();
    private volatile long written;
    private volatile boolean closing;
    private long seq;
    private FileChannel segment;
    private int segmentNo;

    AuditWriter(Path dir, boolean fsync, long segmentBytes, int segmentsKept, ObjectMapper mapper) {
        this.dir = dir;
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        this.segmentsKept = Math.max(1, segmentsKept);
        this.mapper = mapper;
        this.factory = mapper.getFactory();
        if (dir != null) {
            try {
                Files.createDirectories(dir);
                openNewestSegment();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the audit log in " + dir, e);
            }
        }
        writer = new Thread(this::writeLoop, "agentos-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    void append(long time, String kind, long pid, String owner, String name, String outcome, long nanos,
                String detail, JsonNode args, JsonNode result) {
        Pending p = new Pending(time, kind, pid, owner, name, outcome, nanos, detail, args, result);
        if (!queue.offer(p)) {
            try {
                queue.put(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                // The record still matters more than the interrupt: keep it, then return.
                while (!queue.offer(p)) {
                    Thread.onSpinWait();
                }
            }
        }
        appended.incrementAndGet();
    }

    /** Waits until every record appended before this call is written (and fsynced if configured). */
    void sync() {
        long target = appended.get();
        synchronized (flushed) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (written < target && writer.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("audit log sync timed out: {} of {} records written", written, target);
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
    List<AuditRecord> read(AuditQuery q) {
        sync();
        ArrayDeque<AuditRecord> newestFirst = new ArrayDeque<>();
        long oldestInRing;
        synchronized (ring) {
            long n = Math.min(ringCount, RING);
            oldestInRing = n == 0 ? Long.MAX_VALUE : ring[(int) ((ringCount - n) % RING)].seq();
            for (long i = ringCount - 1; i >= ringCount - n && newestFirst.size() < q.limit(); i--) {
                AuditRecord r = ring[(int) (i % RING)];
                if (q.matches(r)) newestFirst.addLast(r);
            }
        }
        if (newestFirst.size() < q.limit() && dir != null && oldestInRing > 1) {
            readFromDisk(q, oldestInRing, newestFirst);
        }
        List<AuditRecord> out = new ArrayList<>(newestFirst);
        Collections.reverse(out);
        return out;
    }

    private void readFromDisk(AuditQuery q, long beforeSeq, ArrayDeque<AuditRecord> newestFirst) {
        List<Path> segments = segments();
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

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(8192);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
        while (true) {
            Pending first;
            try {
                first = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closing && queue.isEmpty()) break;
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, 8191);
            AuditRecord[] records = new AuditRecord[batch.size()];
            buf.reset();
            try (JsonGenerator g = factory.createGenerator(buf)) {
                g.setRootValueSeparator(null);
                for (int i = 0; i < records.length; i++) {
                    Pending p = batch.get(i);
                    AuditRecord r = new AuditRecord(++seq, p.time, p.kind, p.pid, p.owner, p.name, p.outcome, p.nanos,
                            p.detail, p.args, p.result);
                    records[i] = r;
                    writeRecord(g, r);
                    g.writeRaw('\n');
                }
            } catch (IOException e) {
                LOG.error("cannot serialize audit records", e);
            }
            commit(buf);
            synchronized (ring) {
                for (AuditRecord r : records) {
                    ring[(int) (ringCount++ % RING)] = r;
                }
            }
            synchronized (flushed) {
                written += records.length;
                flushed.notifyAll();
            }
            batch.clear();
        }
        closeSegment();
    }

    private static void writeRecord(JsonGenerator g, AuditRecord r) throws IOException {
        g.writeStartObject();
        g.writeNumberField("seq", r.seq());
        g.writeNumberField("time", r.time());
        g.writeStringField("kind", r.kind());
        g.writeNumberField("pid", r.pid());
        if (r.owner() != null) g.writeStringField("owner", r.owner());
        g.writeStringField("name", r.name());
        g.writeStringField("outcome", r.outcome());
        g.writeNumberField("nanos", r.nanos());
        if (r.detail() != null) g.writeStringField("detail", r.detail());
        if (r.args() != null) {
            g.writeFieldName("args");
            g.writeTree(r.args());
        }
        if (r.result() != null) {
            g.writeFieldName("result");
            g.writeTree(r.result());
        }
        g.writeEndObject();
    }

    private void commit(ByteArrayOutputStream buf) {
        if (segment == null) return;
        try {
            ByteBuffer bytes = ByteBuffer.wrap(buf.toByteArray());
            while (bytes.hasRemaining()) {
                segment.write(bytes);
            }
            if (fsync) {
                segment.force(false);
            }
            if (segment.size() >= segmentBytes) {
                rotate();
            }
        } catch (IOException e) {
            // Keep the kernel running; the records stay readable from memory. Operators see this in the log.
            LOG.error("audit log write failed in {}: {}", dir, e.toString());
        }
    }

    private List<Path> segments() {
        if (dir == null || !Files.isDirectory(dir)) return new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX);
            }).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void openNewestSegment() throws IOException {
        List<Path> existing = segments();
        if (existing.isEmpty()) {
            segmentNo = 1;
        } else {
            Path last = existing.get(existing.size() - 1);
            String n = last.getFileName().toString();
            segmentNo = Integer.parseInt(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
            seq = recoverTail(last);
        }
        segment = FileChannel.open(segmentPath(segmentNo), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    /** Cuts a torn last line and returns the last sequence number in the segment. */
    private long recoverTail(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            int tail = (int) Math.min(size, 1 << 16);
            ByteBuffer b = ByteBuffer.allocate(tail);
            ch.read(b, size - tail);
            byte[] bytes = b.array();
            int end = tail;
            while (end > 0 && bytes[end - 1] != '\n') end--;
            if (end < tail) {
                LOG.warn("audit segment {} ended with a torn record ({} bytes); cutting it off", file, tail - end);
                ch.truncate(size - (tail - end));
                ch.force(true);
            }
            if (end == 0) return 0;
            int start = end - 1;
            while (start > 0 && bytes[start - 1] != '\n') start--;
            String line = new String(bytes, start, end - 1 - start, StandardCharsets.UTF_8);
            try {
                return mapper.readTree(line).path("seq").asLong();
            } catch (IOException e) {
                return 0;
            }
        }
    }

    private Path segmentPath(int no) {
        return dir.resolve(String.format("%s%08d%s", PREFIX, no, SUFFIX));
    }

    private void rotate() throws IOException {
        segment.close();
        segment = FileChannel.open(segmentPath(++segmentNo), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        List<Path> all = segments();
        for (int i = 0; i < all.size() - segmentsKept; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    private void closeSegment() {
        if (segment == null) return;
        try {
            segment.force(true);
            segment.close();
        } catch (IOException e) {
            LOG.warn("closing the audit log: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
