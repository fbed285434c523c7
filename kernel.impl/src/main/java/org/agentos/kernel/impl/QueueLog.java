package org.agentos.kernel.impl;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The journal of the durable queues: an append-only file of records (queue created or deleted,
 * message sent, done, dead-lettered, redriven), each framed as length, CRC32C, JSON. One thread
 * writes whatever has queued up, with one write and one fsync per round (group commit), then
 * runs the callbacks of the records it made durable: a sender learns its send happened only
 * then. At start the file is read back (a torn or corrupt tail ends it) and rewritten compact;
 * while running, once the file has grown well past what is live, the log thread rewrites it from
 * a snapshot between two rounds, so the file stays proportional to what the queues hold.
 */
final class QueueLog implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QueueLog.class);
    private static final int MAX_RECORD = 16 << 20;

    /** Runs on the log thread after a record's round: {@code failure} null when it is on disk. */
    @FunctionalInterface
    interface Done {
        void run(IOException failure);
    }

    private record Pending(byte[] json, Done done) {}

    private static final Pending STOP = new Pending(new byte[0], null);

    private final Path file;
    private final ObjectMapper json;
    private FileChannel channel;
    /** Bytes of the file known to be whole records on disk; a failed round is cut back to it. */
    private long durableSize;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile IOException failure;
    /** Live records to rewrite the file from, taken between rounds; null: never compact while running. */
    private final Supplier<List<byte[]>> snapshot;
    private final long compactAboveBytes;
    private long sizeAfterCompaction;
    private volatile int compactions;

    /**
     * Opens {@code file} for appending (after {@link #read} and {@link #rewrite}). When the file
     * grows beyond {@code compactAboveBytes} and twice its size after the last compaction, it is
     * rewritten from {@code snapshot}: every live record, as of a moment when all that was written
     * has been applied and nothing later has.
     */
    QueueLog(Path file, ObjectMapper json, Supplier<List<byte[]>> snapshot, long compactAboveBytes) throws IOException {
        this.file = file;
        this.json = json;
        this.snapshot = snapshot;
        this.compactAboveBytes = compactAboveBytes;
        Files.createDirectories(file.getParent());
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.durableSize = channel.size();
        this.sizeAfterCompaction = durableSize;
        channel.position(durableSize);
        this.writer = new Thread(this::writeLoop, "agentos-ipc-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues a record; {@code done} (may be null) runs on the log thread after its round. */
    void append(ObjectNode record, Done done) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        queue.add(new Pending(bytes, done));
    }

    /** Queues a record already serialized as JSON. */
    void append(byte[] record, Done done) {
        queue.add(new Pending(record, done));
    }

    /** Appends and waits until the record is on disk (queue creation, the operator's sends). */
    void appendAndWait(ObjectNode record) throws IOException {
        CountDownLatch written = new CountDownLatch(1);
        IOException[] failed = new IOException[1];
        append(record, f -> {
            failed[0] = f;
            written.countDown();
        });
        try {
            written.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the queue log", e);
        }
        if (failed[0] != null) throw failed[0];
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        CRC32C crc = new CRC32C();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch);
            boolean stop = batch.remove(STOP);
            IOException failed = null;
            try {
                for (Pending p : batch) {
                    int need = p.json().length + 8;
                    if (buf.remaining() < need) {
                        flush(buf);
                        if (buf.capacity() < need) buf = ByteBuffer.allocate(need);
                    }
                    crc.reset();
                    crc.update(p.json());
                    buf.putInt(p.json().length).putInt((int) crc.getValue()).put(p.json());
                }
                flush(buf);
                if (!batch.isEmpty()) channel.force(false);
                durableSize = channel.position();
                failure = null;
            } catch (IOException e) {
                failed = e;
                buf.clear();
                cutBack(e);
            }
            for (Pending p : batch) {
                if (p.done() != null) {
                    try {
                        p.done().run(failed);
                    } catch (RuntimeException e) {
                        LOG.error("after a queue-log round", e);
                    }
                }
            }
            batch.clear();
            if (stop) return;
            if (failed == null) maybeCompact();
        }
    }

    /**
     * A round failed (a full disk): its records count as not written, so the file goes back to its
     * last whole record; later rounds append after it, and nothing after a torn record is lost.
     */
    private void cutBack(IOException cause) {
        LOG.error("the queue log {} cannot be written: the sends of this round fail with EIO", file, cause);
        failure = cause;
        try {
            channel.truncate(durableSize);
            channel.position(durableSize);
        } catch (IOException e) {
            LOG.error("the queue log {} cannot be cut back to its last whole record", file, e);
        }
    }

    private void maybeCompact() {
        if (snapshot == null || durableSize < compactAboveBytes || durableSize < 2 * sizeAfterCompaction) return;
        try {
            long before = durableSize;
            rewrite(file, snapshot.get());
            FileChannel old = channel;
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            durableSize = channel.size();
            channel.position(durableSize);
            sizeAfterCompaction = durableSize;
            old.close();
            compactions++;
            LOG.info("queue log {} compacted from {} to {} bytes", file, before, durableSize);
        } catch (IOException | RuntimeException e) {
            // the old file is intact (the rewrite renames only a complete copy): go on appending to it
            sizeAfterCompaction = durableSize;
            LOG.warn("compacting the queue log {} failed; it goes on growing", file, e);
        }
    }

    private void flush(ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) channel.write(buf);
        buf.clear();
    }

    /** The last round's failure (a full disk), or null when it was written. */
    IOException failure() {
        return failure;
    }

    /** How often the file was rewritten while running. */
    int compactions() {
        return compactions;
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        queue.add(STOP);
        try {
            writer.join(10_000);
            channel.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", file, e.toString());
        }
    }

    /** Every whole record of {@code file}, in order; a torn or corrupt record ends the log (and is cut off). */
    static List<ObjectNode> read(Path file, ObjectMapper json) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        long good = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(8);
            CRC32C crc = new CRC32C();
            while (good + 8 <= size) {
                head.clear();
                ch.read(head, good);
                head.flip();
                int len = head.getInt();
                int sum = head.getInt();
                if (len <= 0 || len > MAX_RECORD || good + 8 + len > size) break;
                ByteBuffer body = ByteBuffer.allocate(len);
                ch.read(body, good + 8);
                crc.reset();
                crc.update(body.array());
                if ((int) crc.getValue() != sum) break;
                out.add((ObjectNode) json.readTree(body.array()));
                good += 8 + len;
            }
            if (good < size) {
                LOG.warn("queue log {}: {} bytes after the last whole record cut off (a write the crash interrupted)", file,
                        size - good);
                ch.truncate(good);
                ch.force(true);
            }
        }
        return out;
    }

    /** Replaces {@code file} with exactly {@code records} (compaction at start): temp file, fsync, rename. */
    static void rewrite(Path file, List<byte[]> records) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".compact");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            for (byte[] b : records) {
                crc.reset();
                crc.update(b);
                ByteBuffer buf = ByteBuffer.allocate(8 + b.length).putInt(b.length).putInt((int) crc.getValue()).put(b);
                buf.flip();
                while (buf.hasRemaining()) ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // some filesystems cannot fsync a directory; the rename is still atomic
        }
    }
}
