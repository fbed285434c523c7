package org.agentos.kernel.impl;

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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable process table: an append-only log of checkpoint records ({@code processes.jsonl}), the
 * last record of a pid winning, compacted into a fresh file (write, fsync, atomic rename) when it
 * is opened and when it grows past a limit. A torn last line from a crash is ignored.
 */
final class ProcStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcStore.class);
    private final Path file;
    private final ObjectMapper mapper;
    private final long compactBytes;
    private FileChannel log;

    ProcStore(Path dir, ObjectMapper mapper, long compactBytes) {
        this.file = dir.resolve("processes.jsonl");
        this.mapper = mapper;
        this.compactBytes = compactBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** The live records, by pid, and leaves the log compacted and open for appends. */
    synchronized Map<Long, ProcRecord> load() {
        Map<Long, ProcRecord> live = new LinkedHashMap<>();
        if (Files.exists(file)) {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int torn = 0;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) continue;
                    ProcRecord r;
                    try {
                        r = mapper.readValue(line, ProcRecord.class);
                    } catch (IOException e) {
                        torn++;
                        continue;
                    }
                    if (r.reaped()) live.remove(r.pid());
                    else live.put(r.pid(), r);
                }
                if (torn > 0) LOG.warn("ignored {} unreadable checkpoint record(s) in {}", torn, file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the process table from " + file, e);
            }
        }
        rewrite(live.values());
        return live;
    }

    /** Appends a batch and makes it durable with one fsync. */
    synchronized void append(Collection<ProcRecord> records) {
        if (records.isEmpty()) return;
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(records.size() * 256);
            for (ProcRecord r : records) {
                mapper.writeValue(buf, r);
                buf.write('\n');
            }
            ByteBuffer b = ByteBuffer.wrap(buf.toByteArray());
            while (b.hasRemaining()) log.write(b);
            log.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot checkpoint to " + file, e);
        }
    }

    /** Whether the log has grown enough that a rewrite from the live table pays. */
    synchronized boolean wantsCompaction() {
        try {
            return log.size() > compactBytes;
        } catch (IOException e) {
            return false;
        }
    }

    /** Replaces the log with exactly {@code live}: written to a temporary file, fsynced, renamed. */
    synchronized void rewrite(Collection<ProcRecord> live) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            if (log != null) log.close();
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);
                for (ProcRecord r : live) {
                    mapper.writeValue(buf, r);
                    buf.write('\n');
                    if (buf.size() > (1 << 20)) {
                        flush(out, buf);
                    }
                }
                flush(out, buf);
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the process table to " + file, e);
        }
    }

    private static void flush(FileChannel out, ByteArrayOutputStream buf) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf.toByteArray());
        while (b.hasRemaining()) out.write(b);
        buf.reset();
    }

    @Override
    public synchronized void close() {
        if (log == null) return;
        try {
            log.force(true);
            log.close();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", file, e.toString());
        }
        log = null;
    }
}
