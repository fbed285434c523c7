package org.agentos.kernel.api.journal;

import java.io.IOException;
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
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of records, each framed as {@code [int length][int CRC32C][bytes]}, written
 * by one thread per journal with group commit: whatever has queued up since the last round goes
 * out in one write and one fsync, then each record's {@link Done} runs, so a writer learns that
 * its record is durable only once it is.
 *
 * <p>Recovery: {@link #read} hands back every whole record in order; a torn or corrupt record ends
 * the journal and is cut off (it was never acknowledged). A round that fails to write (a full
 * disk) is cut back to the last whole record and its records fail with the error; later rounds
 * append after it.
 *
 * <p>Compaction: {@link #compact} queues a rewrite in the order of the records. When the log
 * thread reaches it, every record queued before it is on disk and acknowledged; it then writes
 * what the {@link Snapshot} gives to a temporary file, fsyncs it and renames it over the journal,
 * and appends the records queued after it to the new file, so no write made meanwhile is lost.
 * A journal opened with an automatic policy does the same between two rounds once the file has
 * grown past a size and doubled since its last compaction.
 *
 * <p>Records are opaque bytes (the kernel's subsystems write JSON). Thread-safe.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

    /** The largest record: {@link #append} refuses a larger one, {@link #read} takes a larger length for a torn tail. */
    public static final int MAX_RECORD = 64 << 20;

    private static final int HEADER = 8;

    /** Runs on the log thread after the round that wrote a record: {@code failure} is null when it is on disk. */
    @FunctionalInterface
    public interface Done {
        void run(IOException failure);
    }

    /** Where a snapshot writes records, or where {@link #read} hands them. */
    @FunctionalInterface
    public interface Records {
        void add(byte[] record) throws IOException;
    }

    /** The live records to rewrite a journal from; runs on the log thread. */
    @FunctionalInterface
    public interface Snapshot {
        void writeTo(Records out) throws IOException;
    }

    private record Pending(byte[] bytes, Done done, Snapshot compaction) {}

    private static final Pending STOP = new Pending(new byte[0], null, null);

    private final Path file;
    private final Snapshot automatic;
    private final long automaticAboveBytes;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private FileChannel channel; // the log thread's once it runs
    /** Bytes of the file that are whole records on disk; a failed round is cut back to it. */
    private volatile long durableSize;
    private long sizeAfterCompaction;
    private volatile IOException failure;
    private volatile boolean compacting;
    private volatile boolean closed;
    private volatile long compactions;

    private Journal(Path file, Snapshot automatic, long automaticAboveBytes) throws IOException {
        this.file = file;
        this.automatic = automatic;
        this.automaticAboveBytes = automaticAboveBytes;
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        this.channel = openForAppend(file);
        this.durableSize = channel.size();
        this.sizeAfterCompaction = durableSize;
        this.writer = new Thread(this::writeLoop, "agentos-journal-" + file.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens {@code file} (created if missing) for appending; {@link #read} it first to recover. */
    public static Journal open(Path file) throws IOException {
        return new Journal(file, null, 0);
    }

    /**
     * Opens {@code file} for appending, and rewrites it from {@code snapshot} between two rounds
     * whenever it is larger than {@code aboveBytes} and twice its size after the last compaction.
     * The snapshot then sees a moment when every record written so far has been acknowledged.
     */
    public static Journal open(Path file, long aboveBytes, Snapshot snapshot) throws IOException {
        if (snapshot == null) throw new IllegalArgumentException("an automatic compaction needs a snapshot");
        return new Journal(file, snapshot, aboveBytes);
    }

    private static FileChannel openForAppend(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ch.position(ch.size());
        return ch;
    }

    /**
     * Queues a record; {@code done} (may be null) runs on the log thread after its round. On a
     * closed journal {@code done} gets the failure at once.
     *
     * @throws IllegalArgumentException for a record larger than {@link #MAX_RECORD}
     */
    public void append(byte[] record, Done done) {
        if (record.length > MAX_RECORD) {
            throw new IllegalArgumentException("a journal record of " + record.length + " bytes (at most " + MAX_RECORD + ")");
        }
        if (closed) {
            if (done != null) done.run(closedError());
            return;
        }
        queue.add(new Pending(record, done, null));
        if (closed && !writer.isAlive()) failLeftovers(); // it came after close() had drained the queue
    }

    private IOException closedError() {
        return new IOException("the journal " + file + " is closed");
    }

    /** Records queued while the journal was closing, after its last round: they fail, nobody waits for them. */
    private void failLeftovers() {
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        for (Pending p : left) {
            if (p.done() != null) p.done().run(closedError());
        }
    }

    /**
     * Waits until every record appended before this call is on disk (or has failed): for reading
     * the file back at once ({@link #readWhole}). Returns at once on a closed journal.
     */
    public void flush() throws IOException {
        if (closed) return;
        CountDownLatch written = new CountDownLatch(1);
        queue.add(new Pending(null, f -> written.countDown(), null));
        if (closed && !writer.isAlive()) failLeftovers();
        try {
            written.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the journal " + file, e);
        }
    }

    /** Appends a record and waits until it is on disk. */
    public void appendAndWait(byte[] record) throws IOException {
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
            throw new IOException("interrupted while waiting for the journal " + file, e);
        }
        if (failed[0] != null) throw failed[0];
    }

    /** Queues a rewrite of the journal from {@code snapshot}, at this point of the record order. */
    public void compact(Snapshot snapshot) {
        if (closed) return;
        compacting = true;
        queue.add(new Pending(null, null, snapshot));
    }

    /** Whether a compaction is queued or running. */
    public boolean compacting() {
        return compacting;
    }

    /** Bytes of whole records in the file, as of the last round. */
    public long size() {
        return durableSize;
    }

    /** Compactions done since the journal was opened. */
    public long compactions() {
        return compactions;
    }

    /** The last round's failure (a full disk), or null when it was written. */
    public IOException failure() {
        return failure;
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        List<Pending> round = new ArrayList<>();
        ByteBuffer[] buf = {ByteBuffer.allocate(1 << 20)};
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
                    commit(round, buf, crc);
                    compactNow(p.compaction());
                } else if (p.bytes() == null) { // a flush: what was queued before it is written first
                    commit(round, buf, crc);
                    p.done().run(failure);
                } else {
                    round.add(p);
                }
            }
            boolean written = commit(round, buf, crc);
            batch.clear();
            if (stop) return;
            if (written && automatic != null && durableSize > automaticAboveBytes && durableSize >= 2 * sizeAfterCompaction) {
                compacting = true;
                compactNow(automatic);
            }
        }
    }

    /** One write (a few for a big round) and one fsync for {@code round}, then its callbacks; false if it failed. */
    private boolean commit(List<Pending> round, ByteBuffer[] buf, CRC32C crc) {
        if (round.isEmpty()) return true;
        IOException error = null;
        try {
            for (Pending p : round) buf[0] = frame(channel, buf[0], p.bytes(), crc);
            drain(channel, buf[0]);
            channel.force(false);
            durableSize = channel.position();
            failure = null;
        } catch (IOException e) {
            error = e;
            buf[0].clear();
            cutBack(e);
        }
        for (Pending p : round) {
            if (p.done() == null) continue;
            try {
                p.done().run(error);
            } catch (RuntimeException e) {
                LOG.error("after a round of the journal {}", file, e);
            }
        }
        round.clear();
        return error == null;
    }

    /** A round failed: its records count as not written, so the file goes back to its last whole record. */
    private void cutBack(IOException cause) {
        LOG.error("the journal {} cannot be written: the records of this round fail", file, cause);
        failure = cause;
        try {
            channel.truncate(durableSize);
            channel.position(durableSize);
        } catch (IOException e) {
            LOG.error("the journal {} cannot be cut back to its last whole record", file, e);
        }
    }

    private void compactNow(Snapshot snapshot) {
        try {
            long before = durableSize;
            rewrite(file, snapshot);
            FileChannel old = channel;
            channel = openForAppend(file);
            durableSize = channel.size();
            sizeAfterCompaction = durableSize;
            old.close();
            compactions++;
            LOG.info("journal {} compacted from {} to {} bytes", file, before, durableSize);
        } catch (IOException | RuntimeException e) {
            // the old file is intact (only a complete copy is renamed over it): appends go on to it
            sizeAfterCompaction = durableSize;
            LOG.warn("compacting the journal {} failed; it goes on growing", file, e);
        } finally {
            compacting = false;
        }
    }

    /** Writes what is queued, then closes the file; later appends fail. */
    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            writer.join(30_000);
            channel.close();
            if (!writer.isAlive()) failLeftovers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing the journal {}: {}", file, e.toString());
        }
    }

    /**
     * Hands every whole record of {@code file} to {@code out}, in order; a torn or corrupt record
     * ends the journal and is cut off the file. A missing file has no records.
     */
    public static void read(Path file, Records out) throws IOException {
        read(file, out, true);
    }

    /**
     * Hands every whole record of {@code file} to {@code out}, in order, up to the first torn or
     * corrupt one, and leaves the file as it is: for reading a journal that is open for appending
     * (its last round may be half written). A missing file has no records.
     */
    public static void readWhole(Path file, Records out) throws IOException {
        read(file, out, false);
    }

    private static void read(Path file, Records out, boolean cutTornTail) throws IOException {
        if (!Files.exists(file)) return;
        long good = 0;
        try (FileChannel ch = cutTornTail ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            // Read in large blocks, not two reads per record: a journal of a million small records
            // is read in seconds that way, not in tens (recovery and replay wait for it).
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            buf.limit(0);
            CRC32C crc = new CRC32C();
            while (good + HEADER <= size) {
                if (buf.remaining() < HEADER) {
                    refill(ch, buf, good, HEADER, size);
                }
                int len = buf.getInt(buf.position());
                int sum = buf.getInt(buf.position() + 4);
                if (len <= 0 || len > MAX_RECORD || good + HEADER + len > size) break;
                if (buf.remaining() < HEADER + len) {
                    if (buf.capacity() < HEADER + len) buf = ByteBuffer.allocate(HEADER + len);
                    refill(ch, buf, good, HEADER + len, size);
                }
                byte[] body = new byte[len];
                buf.position(buf.position() + HEADER);
                buf.get(body);
                crc.reset();
                crc.update(body);
                if ((int) crc.getValue() != sum) break;
                out.add(body);
                good += HEADER + len;
            }
            if (good < size && cutTornTail) {
                LOG.warn("journal {}: {} bytes after the last whole record cut off (a write a crash interrupted)", file, size - good);
                ch.truncate(good);
                ch.force(true);
            }
        }
    }

    /** Fills {@code buf} from file offset {@code from} with at least {@code need} bytes (the file has them: the caller checked its size). */
    private static void refill(FileChannel ch, ByteBuffer buf, long from, int need, long size) throws IOException {
        buf.clear();
        long want = Math.min(buf.capacity(), size - from);
        buf.limit((int) want);
        while (buf.position() < need) {
            if (ch.read(buf, from + buf.position()) < 0) throw new IOException("unexpected end of the journal at " + from);
        }
        buf.flip();
    }

    /** Replaces {@code file} with exactly the records {@code snapshot} writes: temporary file, fsync, atomic rename. */
    public static void rewrite(Path file, Snapshot snapshot) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = file.resolveSibling(file.getFileName() + ".compact");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            ByteBuffer[] buf = {ByteBuffer.allocate(1 << 20)};
            snapshot.writeTo(record -> {
                if (record.length > MAX_RECORD) throw new IOException("a snapshot record of " + record.length + " bytes");
                buf[0] = frame(ch, buf[0], record, crc);
            });
            drain(ch, buf[0]);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some filesystems cannot fsync a directory; the rename is atomic all the same
        }
    }

    /** Frames {@code record} into {@code buf}, first writing the buffer out if it is full; returns the buffer to go on with. */
    private static ByteBuffer frame(FileChannel ch, ByteBuffer buf, byte[] record, CRC32C crc) throws IOException {
        int need = HEADER + record.length;
        if (buf.remaining() < need) {
            drain(ch, buf);
            if (buf.capacity() < need) buf = ByteBuffer.allocate(need);
        }
        crc.reset();
        crc.update(record);
        buf.putInt(record.length).putInt((int) crc.getValue()).put(record);
        return buf;
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

}
