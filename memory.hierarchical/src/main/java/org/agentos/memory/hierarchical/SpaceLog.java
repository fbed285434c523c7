package org.agentos.memory.hierarchical;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The log of the persistent spaces: an append-only file of records (space created or dropped,
 * put, delete, fork), each framed as length, CRC32C, JSON. One thread writes whatever has queued
 * up with one write and one fsync per round (group commit), then tells each record's writer it is
 * durable. A compaction is queued like a record: the writer thread writes the snapshot it carries
 * to a temp file, fsyncs, renames it over the log and appends what came after it to the new file,
 * so no write made meanwhile is lost.
 */
final class SpaceLog implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SpaceLog.class);
    static final int MAX_RECORD = 64 << 20;

    /** Writes a snapshot's records (on the log thread). */
    interface Snapshot {
        void writeTo(Consumer<ObjectNode> out) throws IOException;
    }

    /** Told once the record is on disk (null) or that it cannot be (the error). */
    interface Durable {
        void done(IOException failure);
    }

    private record Pending(byte[] bytes, Durable onDurable, Snapshot compaction) {}

    private static final Pending STOP = new Pending(new byte[0], null, null);

    private final Path file;
    private final ObjectMapper json;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private FileChannel channel; // the log thread's, after the constructor
    private volatile long size;
    private volatile IOException failure;
    private volatile boolean compacting;
    private volatile long compactions;

    SpaceLog(Path file, ObjectMapper json) throws IOException {
        this.file = file;
        this.json = json;
        Files.createDirectories(file.getParent());
        this.channel = open(file);
        this.size = channel.size();
        this.writer = new Thread(this::writeLoop, "agentos-memory-log");
        writer.setDaemon(true);
        writer.start();
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Queues a record; {@code onDurable} runs on the log thread after its fsync. */
    void append(ObjectNode record, Durable onDurable) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > MAX_RECORD) throw new IllegalArgumentException("record of " + bytes.length + " bytes");
        queue.add(new Pending(bytes, onDurable, null));
    }

    /** Queues a compaction to {@code snapshot}, taken at this point of the record order. */
    void compact(Snapshot snapshot) {
        compacting = true;
        queue.add(new Pending(null, null, snapshot));
    }

    /** Bytes in the log file (as the log thread last wrote it). */
    long size() {
        return size;
    }

    boolean compacting() {
        return compacting;
    }

    /** Compactions done while running. */
    long compactions() {
        return compactions;
    }

    IOException failure() {
        return failure;
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        List<Pending> round = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        CRC32C crc = new CRC32C();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch);
            boolean stop = false;
            for (Pending p : batch) {
                if (p == STOP) {
                    stop = true;
                } else if (p.compaction() != null) {
                    buf = commit(round, buf, crc);
                    runCompaction(p.compaction());
                } else {
                    round.add(p);
                }
            }
            buf = commit(round, buf, crc);
            batch.clear();
            if (stop) return;
        }
    }

    /** One write (or a few, for a big round) and one fsync for {@code round}, then its callbacks. */
    private ByteBuffer commit(List<Pending> round, ByteBuffer buf, CRC32C crc) {
        if (round.isEmpty()) return buf;
        IOException error = failure;
        if (error == null) {
            try {
                for (Pending p : round) {
                    int need = p.bytes().length + 8;
                    if (buf.remaining() < need) {
                        flush(buf);
                        if (buf.capacity() < need) buf = ByteBuffer.allocate(need);
                    }
                    frame(buf, p.bytes(), crc);
                }
                flush(buf);
                channel.force(false);
            } catch (IOException e) {
                LOG.error("the memory log {} cannot be written: persistent writes now fail with EIO", file, e);
                failure = error = e;
            }
        }
        for (Pending p : round) {
            try {
                p.onDurable().done(error);
            } catch (RuntimeException e) {
                LOG.error("after a memory-log commit", e);
            }
        }
        round.clear();
        return buf;
    }

    private static void frame(ByteBuffer buf, byte[] bytes, CRC32C crc) {
        crc.reset();
        crc.update(bytes);
        buf.putInt(bytes.length).putInt((int) crc.getValue()).put(bytes);
    }

    private void flush(ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) size += channel.write(buf);
        buf.clear();
    }

    private void runCompaction(Snapshot snapshot) {
        try {
            if (failure == null) {
                long before = size;
                channel.close();
                rewrite(file, snapshot, json);
                channel = open(file);
                size = channel.size();
                compactions++;
                LOG.info("memory log {} compacted from {} to {} bytes", file, before, size);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("compacting the memory log {} failed; it keeps growing", file, e);
            try {
                if (!channel.isOpen()) channel = open(file);
            } catch (IOException again) {
                failure = again;
            }
        } finally {
            compacting = false;
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        queue.add(STOP);
        try {
            writer.join(30_000);
            channel.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", file, e.toString());
        }
    }

    /** Every whole record of {@code file}, in order; a torn or corrupt tail is cut off with a warning. */
    static void read(Path file, ObjectMapper json, Consumer<ObjectNode> out) throws IOException {
        if (!Files.exists(file)) return;
        long good = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(8);
            CRC32C crc = new CRC32C();
            while (good + 8 <= size) {
                head.clear();
                while (head.hasRemaining() && ch.read(head, good + head.position()) > 0) { /* fill */ }
                head.flip();
                int len = head.getInt();
                int sum = head.getInt();
                if (len <= 0 || len > MAX_RECORD || good + 8 + len > size) break;
                ByteBuffer body = ByteBuffer.allocate(len);
                while (body.hasRemaining() && ch.read(body, good + 8 + body.position()) > 0) { /* fill */ }
                crc.reset();
                crc.update(body.array());
                if ((int) crc.getValue() != sum) break;
                out.accept((ObjectNode) json.readTree(body.array()));
                good += 8 + len;
            }
            if (good < size) {
                LOG.warn("memory log {}: {} bytes after the last whole record cut off (a write a crash interrupted)",
                        file, size - good);
                ch.truncate(good);
                ch.force(true);
            }
        }
    }

    /** Replaces {@code file} with exactly what {@code snapshot} writes: temp file, fsync, atomic rename. */
    static void rewrite(Path file, Snapshot snapshot, ObjectMapper json) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".compact");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            ByteBuffer[] buf = {ByteBuffer.allocate(1 << 20)};
            IOException[] error = new IOException[1];
            snapshot.writeTo(record -> {
                if (error[0] != null) return;
                try {
                    byte[] b = json.writeValueAsBytes(record);
                    if (buf[0].remaining() < b.length + 8) {
                        writeAll(ch, buf[0]);
                        if (buf[0].capacity() < b.length + 8) buf[0] = ByteBuffer.allocate(b.length + 8);
                    }
                    frame(buf[0], b, crc);
                } catch (IOException e) {
                    error[0] = e;
                }
            });
            if (error[0] != null) throw error[0];
            writeAll(ch, buf[0]);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // some filesystems cannot fsync a directory; the rename is still atomic
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }
}
