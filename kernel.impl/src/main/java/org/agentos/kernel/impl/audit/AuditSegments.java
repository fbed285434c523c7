package org.agentos.kernel.impl.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream of the audit log: numbered JSON-lines segment files ({@code <prefix>NNNNNNNN.jsonl})
 * appended to by one thread, rotated at a size, and deleted when there are more than a count or
 * when their newest record is older than the retention period, whichever comes first (like
 * journald's {@code SystemMaxUse} and {@code MaxRetentionSec}). A stream with nothing written
 * has no file.
 */
final class AuditSegments {
    private static final Logger LOG = LoggerFactory.getLogger(AuditSegments.class);
    private static final String SUFFIX = ".jsonl";

    private final Path dir;
    private final String prefix;
    private final long segmentBytes;
    private final int kept;
    private final long retentionMillis;
    private final LongSupplier wallClock;
    private FileChannel segment;
    private int segmentNo;

    /** {@code retentionMillis} 0: by count only. */
    AuditSegments(Path dir, String prefix, long segmentBytes, int kept, long retentionMillis, LongSupplier wallClock) {
        this.dir = dir;
        this.prefix = prefix;
        this.segmentBytes = segmentBytes;
        this.kept = Math.max(1, kept);
        this.retentionMillis = retentionMillis;
        this.wallClock = wallClock;
    }

    /** Opens the newest segment, cutting a torn last line; returns the last sequence number in it (0: none). */
    long open(ObjectMapper mapper) throws IOException {
        Files.createDirectories(dir);
        List<Path> existing = list();
        if (existing.isEmpty()) {
            segmentNo = 1;
            return 0;
        }
        Path last = existing.get(existing.size() - 1);
        segmentNo = number(last);
        long seq = recoverTail(last, mapper);
        // A segment rotated in just before a crash is empty: the last number is in the one before.
        for (int i = existing.size() - 2; seq == 0 && i >= 0; i--) seq = recoverTail(existing.get(i), mapper);
        segment = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        expire();
        return seq;
    }

    void write(byte[] bytes, int offset, int length, boolean fsync) throws IOException {
        if (segment == null) {
            segment = FileChannel.open(path(segmentNo), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
        while (b.hasRemaining()) segment.write(b);
        if (fsync) segment.force(false);
        if (segment.size() >= segmentBytes) rotate();
    }

    private void rotate() throws IOException {
        segment.close();
        segment = FileChannel.open(path(++segmentNo), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        expire();
    }

    /**
     * Deletes the oldest segments beyond the count, and those whose newest record (their last
     * write) is older than the retention period; never the one being written.
     */
    synchronized void expire() {
        List<Path> all = list();
        long cutoff = retentionMillis > 0 ? wallClock.getAsLong() - retentionMillis : Long.MIN_VALUE;
        for (int i = 0; i < all.size() - 1; i++) {
            Path p = all.get(i);
            try {
                if (i < all.size() - kept || Files.getLastModifiedTime(p).toMillis() < cutoff) Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warn("cannot expire audit segment {}: {}", p, e.toString());
            }
        }
    }

    /** The segments, oldest first. */
    synchronized List<Path> list() {
        if (!Files.isDirectory(dir)) return new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(SUFFIX);
            }).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the stream holds: its oldest record (seq and time) and its size on disk. */
    record Span(long oldestSeq, long oldestMillis, int segments, long bytes) {}

    /** The span of the stream, or null when it holds nothing. Reads one line. */
    Span span(ObjectMapper mapper) {
        List<Path> all = list();
        long bytes = 0;
        for (Path p : all) {
            try {
                bytes += Files.size(p);
            } catch (IOException gone) {
                // expired meanwhile
            }
        }
        for (Path p : all) {
            try (BufferedReader in = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                String first = in.readLine();
                if (first == null || first.isBlank()) continue;
                var tree = mapper.readTree(first);
                return new Span(tree.path("seq").asLong(), tree.path("time").asLong(), all.size(), bytes);
            } catch (IOException e) {
                // expired meanwhile, or a torn line: try the next one
            }
        }
        return null;
    }

    void close() {
        if (segment == null) return;
        try {
            segment.force(true);
            segment.close();
        } catch (IOException e) {
            LOG.warn("closing the audit log: {}", e.toString());
        }
    }

    private int number(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(prefix.length(), n.length() - SUFFIX.length()));
    }

    private Path path(int no) {
        return dir.resolve(String.format("%s%08d%s", prefix, no, SUFFIX));
    }

    /** Cuts a torn last line and returns the last sequence number in the segment. */
    private static long recoverTail(Path file, ObjectMapper mapper) throws IOException {
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
}
