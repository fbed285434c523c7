package org.agentos.kernel.impl.persist;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * grows past a limit, or at opening when it ends in a torn line from a crash (ignored) or holds
 * more than twice what is live.
 */
public final class ProcStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcStore.class);
    private final Path file;
    private final ObjectMapper mapper;
    private final long compactBytes;
    private FileChannel log;

    public ProcStore(Path dir, ObjectMapper mapper, long compactBytes) {
        this.file = dir.resolve("processes.jsonl");
        this.mapper = mapper;
        this.compactBytes = compactBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /**
     * The live records, by pid, and leaves the log open for appends. A pid's last record wins, so
     * only those are parsed: every line's pid is read from its fixed start ({@code {"v":1,"pid":N,},
     * as {@link #append} writes it) and its bytes kept until a later line of the same pid replaces
     * them. A log of 48 MB for 10,000 busy processes took 3.3 s to parse line by line at boot, most
     * of it records overwritten later. A line of any other shape is parsed in full; a torn one
     * (a crash during an append) is ignored and cut off the log, which is compacted here only when
     * it holds more than twice what is live.
     */
    public synchronized Map<Long, ProcRecord> load() {
        Map<Long, ProcRecord> live = new LinkedHashMap<>();
        long logBytes = 0;
        long liveBytes = 0;
        boolean tornTail = false;
        if (Files.exists(file)) {
            Map<Long, byte[]> last = new LinkedHashMap<>();
            int torn = 0;
            try (java.io.InputStream in = Files.newInputStream(file)) {
                ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
                byte[] chunk = new byte[1 << 16];
                int n;
                while ((n = in.read(chunk)) > 0) {
                    int from = 0;
                    for (int i = 0; i < n; i++) {
                        if (chunk[i] != '\n') continue;
                        line.write(chunk, from, i - from);
                        logBytes += line.size() + 1;
                        if (line.size() > 0 && !keep(last, line.toByteArray())) torn++;
                        line.reset();
                        from = i + 1;
                    }
                    line.write(chunk, from, n - from);
                }
                if (line.size() > 0) { // appends always end a line: this one was cut by a crash
                    tornTail = true;
                    logBytes += line.size();
                    // Kept only if it is whole: a cut one must not replace its pid's last good record.
                    ProcRecord r = parse(line.toByteArray());
                    if (r == null) torn++;
                    else keep(last, line.toByteArray());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the process table from " + file, e);
            }
            for (Map.Entry<Long, byte[]> e : last.entrySet()) {
                ProcRecord r = parse(e.getValue());
                if (r == null) {
                    torn++;
                } else if (!r.reaped()) {
                    live.put(r.pid(), r);
                    liveBytes += e.getValue().length + 1;
                }
            }
            if (torn > 0) LOG.warn("ignored {} unreadable checkpoint record(s) in {}", torn, file);
        }
        if (tornTail || logBytes > 2 * liveBytes + (1 << 20)) {
            rewrite(live.values());
        } else {
            try {
                log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the process table " + file, e);
            }
        }
        return live;
    }

    /** Keeps {@code line} as the latest of its pid; false when it is not a record at all. */
    private boolean keep(Map<Long, byte[]> last, byte[] line) {
        long pid = pidOf(line);
        if (pid <= 0) {
            ProcRecord r = parse(line);
            if (r == null) return false;
            pid = r.pid();
        }
        last.remove(pid); // in the order of their last records
        last.put(pid, line);
        return true;
    }

    private static final byte[] PREFIX = "{\"v\":1,\"pid\":".getBytes(StandardCharsets.US_ASCII);

    /** The pid of a line that starts as {@link #append} writes it, else 0. */
    private static long pidOf(byte[] line) {
        if (line.length <= PREFIX.length) return 0;
        for (int i = 0; i < PREFIX.length; i++) {
            if (line[i] != PREFIX[i]) return 0;
        }
        long pid = 0;
        int i = PREFIX.length;
        for (; i < line.length && i < PREFIX.length + 19 && line[i] >= '0' && line[i] <= '9'; i++) pid = pid * 10 + (line[i] - '0');
        return i < line.length && line[i] == ',' && i > PREFIX.length ? pid : 0;
    }

    private ProcRecord parse(byte[] line) {
        try {
            return mapper.readValue(line, ProcRecord.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** Appends a batch and makes it durable with one fsync. */
    synchronized void append(Collection<ProcRecord> records) {
        if (records.isEmpty()) return;
        try {
            for (ProcRecord r : records) {
                mapper.writeValue(chunk, r);
                chunk.write('\n');
                if (chunk.size() >= CHUNK_BYTES) chunk.drainTo(log);
            }
            chunk.drainTo(log);
            log.force(false);
        } catch (IOException e) {
            chunk.reset();
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
                for (ProcRecord r : live) {
                    mapper.writeValue(chunk, r);
                    chunk.write('\n');
                    if (chunk.size() >= CHUNK_BYTES) chunk.drainTo(out);
                }
                chunk.drainTo(out);
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            chunk.reset();
            throw new UncheckedIOException("cannot write the process table to " + file, e);
        }
    }

    /**
     * Encoded records on their way to the file, written out every {@value #CHUNK_BYTES} bytes
     * from the buffer itself. A checkpoint of 10,000 processes encoded whole (~8 MB) and copied
     * again by toByteArray made two humongous G1 objects every 500 ms, and young pauses of
     * 50-190 ms under load.
     */
    private static final class Chunk extends ByteArrayOutputStream {
        Chunk() {
            super(CHUNK_BYTES + (CHUNK_BYTES >> 2));
        }

        void drainTo(FileChannel out) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(buf, 0, count);
            while (b.hasRemaining()) out.write(b);
            reset();
        }
    }

    private static final int CHUNK_BYTES = 256 << 10;
    private final Chunk chunk = new Chunk();

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
