package org.agentos.vfs.versioned;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine of the versioned filesystem: an append-only log of records
 * {@code [int length][int CRC32C][payload]} ({@link LogRecords}), and the {@link VersionIndex} of
 * what it says, rebuilt by reading the log once at open (a torn tail is cut at the first record
 * that does not hold). A version never changes, so appending is all it does (docs/vfs.md says why
 * not a B-tree store). Writes go through here; reads of the index go to {@link #index}.
 *
 * <p>One log thread does all appends, in queue order. A writer queues its new chunks as it reads
 * them (bounded queue: memory stays bounded for any file size), then its change; the log thread
 * applies a change to the index (quota check, version number) when it reaches it — after the
 * writer's chunks — and fsyncs once for everything it appended in a round before acknowledging
 * (group commit). An acknowledged write survives kill -9.
 */
final class VersionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionStore.class);
    static final int CHUNK = 64 * 1024;

    // The store's words, shared by its index and its callers.

    /** Who made a change, for the audit trail; {@code callId} the process's call ({@code FsCaller.callId()}), null for the console. */
    record Author(long pid, String owner, String bundle, String syscall, String callId) {
        Author(long pid, String owner, String bundle, String syscall) {
            this(pid, owner, bundle, syscall, null);
        }
    }

    /** Limits of an owner; {@code Long.MAX_VALUE} = none. */
    record Quota(long bytes, long files) {
        static final Quota NONE = new Quota(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * One version of a path. {@code owner} made it; {@code holder} is whose quota it counts against
     * (the file's owner then). {@code restoredFrom} is the version a restore copied, else 0.
     */
    record Version(String path, long number, long size, String sha256, List<String> chunks, long time, long pid,
                   String owner, String bundle, String syscall, boolean deleted, long restoredFrom, String holder) {}

    /** A path's latest version; {@code owner} is whose quota the file counts against. */
    record Head(long version, boolean deleted, long size, String owner) {}

    /** An owner's live files and their bytes. */
    record Usage(long bytes, long files) {}

    /** Where a chunk's bytes are in the log. */
    record Location(long offset, int length) {}

    /** Versions, heads, usage, directories, views: written by the log thread (and at open), read by anyone. */
    final VersionIndex index;
    /** Where each chunk is: the log's own index, moved by a compaction. */
    private final ConcurrentHashMap<String, Location> chunks = new ConcurrentHashMap<>();
    private long chunkBytes;

    private final Path file;
    /** Replaced only when the log is compacted, under {@link #swap}'s write lock. */
    private volatile FileChannel log;
    /** Readers read chunks optimistically; a compaction takes it to change the log file and the chunk index. */
    private final StampedLock swap = new StampedLock();
    private long end;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>(1024);
    private final Thread logThread;
    private volatile boolean closed;

    /** What the log thread does next: append a chunk, apply and append a change, or stop. */
    private sealed interface Item permits ChunkItem, Change, Stop {}

    private record ChunkItem(String key, byte[] hash, byte[] data) implements Item {}

    private record Stop() implements Item {}

    private static final class Change implements Item {
        final ApplyFn apply;
        final CompletableFuture<Version> done = new CompletableFuture<>();
        Version result;

        Change(ApplyFn apply) {
            this.apply = apply;
        }
    }

    @FunctionalInterface
    private interface ApplyFn {
        /** A change to the index ({@code VersionIndex.apply...}): checked, made, and returned as {records, result}. */
        Object[] apply() throws SyscallException;
    }

    VersionStore(Path file, LongSupplier clock) {
        this.index = new VersionIndex(clock);
        this.file = file;
        try {
            java.nio.file.Files.deleteIfExists(compactFile()); // a compaction a crash cut short: the log is whole without it
            this.log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.end = recover();
            this.bufferStart = end;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the filesystem log " + file, e);
        }
        this.logThread = new Thread(this::logLoop, "agentos-vfs-log");
        logThread.setDaemon(true);
        logThread.start();
    }

    // ------------------------------------------------------------------ recovery

    /** Reads the log into the index; cuts a torn tail. Returns the end of the last whole record. */
    private long recover() throws IOException {
        long size = log.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(8);
        while (pos + 8 <= size) {
            header.clear();
            readFully(header, pos);
            int len = header.getInt(0);
            int crc = header.getInt(4);
            if (len <= 0 || pos + 8 + len > size) break;
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(payload, pos + 8);
            CRC32C c = new CRC32C();
            c.update(payload.array(), 0, len);
            if ((int) c.getValue() != crc) break;
            replay(payload.array(), pos + 8);
            pos += 8 + len;
        }
        if (pos < size) {
            LOG.warn("filesystem log: cutting a torn tail of {} bytes at offset {}", size - pos, pos);
            log.truncate(pos);
            log.force(true);
        }
        index.countUsage();
        return pos;
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        readFully(log, b, at);
    }

    private static void readFully(FileChannel channel, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, at + b.position());
            if (n < 0) throw new IOException("unexpected end of the log at " + (at + b.position()));
        }
        b.flip();
    }

    private void replay(byte[] p, long payloadOffset) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(p));
        byte type = in.readByte();
        if (type == LogRecords.CHUNK) indexChunk(HexFormat.of().formatHex(in.readNBytes(32)), new Location(payloadOffset + 33, p.length - 33));
        else index.replay(type, in);
    }


    // ------------------------------------------------------------------ writes

    /**
     * Stores {@code data} as a new version of {@code path} and returns it once it is durable.
     *
     * @throws SyscallException EQUOTA over the owner's quota, EIO when storage fails
     */
    Version write(String path, InputStream data, Author who) throws SyscallException {
        return write(path, data, who, ANY_VERSION);
    }

    /** Any latest version: an unconditional write. */
    static final long ANY_VERSION = -1;

    /**
     * A write that happens only if the latest live version of {@code path} is still
     * {@code ifLatest} (0: there is no live file), else EAGAIN: how an append based on what it
     * read stays exact when others write meanwhile.
     */
    Version write(String path, InputStream data, Author who, long ifLatest) throws SyscallException {
        Chunker.Cut s = storeChunks(data);
        return publish(() -> index.applyWrite(path, s, who, ifLatest));
    }

    /** Deletes {@code path}: a version that says so; the history stays. ENOENT if there is nothing to delete. */
    Version delete(String path, Author who) throws SyscallException {
        return delete(path, who, false);
    }

    /** As {@link #delete(String, Author)}; {@code hidesBelow}: where there is no file, a deletion that hides a fork's file below its layer. */
    Version delete(String path, Author who, boolean hidesBelow) throws SyscallException {
        return publish(() -> index.applyDelete(path, who, hidesBelow));
    }

    /** Makes version {@code number}'s content the latest again, as a new version. */
    Version restore(String path, long number, Author who) throws SyscallException {
        return restore(path, number, path, who);
    }

    /** Makes version {@code number} of {@code from} the latest content of {@code to} (a fork's layer restores from below it). */
    Version restore(String from, long number, String to, Author who) throws SyscallException {
        return publish(() -> index.applyRestore(from, number, to, who));
    }

    /** Records an explicit directory (its parents exist by prefix). Durable on return. */
    void mkdir(String path, Author who) throws SyscallException {
        publish(() -> index.applyMkdir(path));
    }

    /** Begins a fork's view of the files ({@link ForkViews}): one record, whatever its files. EEXIST for a pid that has one. */
    void addView(ForkViews.View view) throws SyscallException {
        publish(() -> index.applyView(view));
    }

    /** Process {@code pid} ended: its view goes (when no fork of it sees through it); its layer stays. */
    void endView(long pid) throws SyscallException {
        if (index.views.of(pid) == null) return;
        publish(() -> index.applyUnview(pid));
    }

    /** Cuts the stream into chunks and queues each one the store does not have yet. */
    private Chunker.Cut storeChunks(InputStream data) throws SyscallException {
        return Chunker.cut(data, (key, hash, buf, n) -> {
            if (!chunks.containsKey(key)) enqueue(new ChunkItem(key, hash, java.util.Arrays.copyOf(buf, n)));
        });
    }

    private void enqueue(Item item) throws SyscallException {
        if (closed) throw new SyscallException(Errno.EIO, "the filesystem is closed");
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while writing");
        }
    }

    private synchronized void indexChunk(String key, Location at) {
        if (chunks.putIfAbsent(key, at) == null) chunkBytes += at.length();
    }

    private Version publish(ApplyFn apply) throws SyscallException {
        Change c = new Change(apply);
        enqueue(c);
        try {
            return c.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while waiting for the write to be durable");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyscallException se) throw se;
            throw new SyscallException(Errno.EIO, "storing failed: " + e.getCause());
        }
    }

    /**
     * Drains the queue in rounds: chunks are appended (and indexed once written), changes applied
     * and appended; then one fsync for the round, then the acknowledgements.
     */
    private void logLoop() {
        List<Item> round = new ArrayList<>();
        List<Change> waiting = new ArrayList<>();
        List<Object[]> unindexed = new ArrayList<>(); // chunks in the buffer: {key, Location}
        boolean stop = false;
        while (!stop) {
            try {
                round.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(round);
            IOException failed = null;
            for (Item item : round) {
                try {
                    if (item instanceof Stop) {
                        stop = true;
                    } else if (item instanceof ChunkItem ci) {
                        if (chunks.containsKey(ci.key()) || buffered.containsKey(ci.key())) continue; // two writers, one chunk
                        long at = append(LogRecords.chunk(ci.hash(), ci.data()));
                        unindexed.add(new Object[] {ci.key(), new Location(at + 33, ci.data().length)});
                        // Readable at once: a version applied in this round may refer to it before the buffer is written.
                        buffered.put(ci.key(), ci.data());
                    } else if (item instanceof Change c) {
                        Object[] r;
                        try {
                            r = c.apply.apply();
                        } catch (SyscallException e) {
                            appendKept(); // indexed already, and true whether the change is made or not
                            c.done.completeExceptionally(e);
                            continue;
                        } catch (RuntimeException e) {
                            c.done.completeExceptionally(new SyscallException(Errno.EIO, "storing failed: " + e));
                            continue;
                        }
                        appendKept(); // what forks saw, before the change
                        if (r[0] instanceof byte[] one) append(one);
                        else if (r[0] instanceof List<?> several) for (Object one : several) append((byte[]) one);
                        c.result = (Version) r[1];
                        waiting.add(c);
                    }
                } catch (IOException e) {
                    LOG.error("filesystem log append failed", e);
                    failed = e;
                    break;
                }
            }
            if (failed == null) {
                try {
                    flush(unindexed);
                } catch (IOException e) {
                    LOG.error("filesystem log append failed", e);
                    failed = e;
                }
            }
            if (failed == null && !waiting.isEmpty()) {
                try {
                    log.force(false);
                } catch (IOException e) {
                    LOG.error("filesystem log fsync failed", e);
                    failed = e;
                }
            }
            for (Change c : waiting) {
                if (failed != null) c.done.completeExceptionally(new SyscallException(Errno.EIO, "the log could not be written: " + failed));
                else c.done.complete(c.result);
            }
            if (failed != null) {
                // Nothing after a failed append may be acknowledged: refuse what is queued too.
                for (Item i : round) if (i instanceof Change c && !c.done.isDone()) c.done.completeExceptionally(
                        new SyscallException(Errno.EIO, "the log could not be written: " + failed));
            }
            waiting.clear();
            if (failed == null && !stop && compactionDue()) compact();
            round.clear();
        }
    }

    /** Chunks in the buffer, not yet in the log file: served from here until indexed. */
    private final ConcurrentHashMap<String, byte[]> buffered = new ConcurrentHashMap<>();

    /** Records appended but not yet written: one write call per batch instead of one per record. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
    /** Where the buffer's first byte goes in the log. */
    private long bufferStart;

    /** Appends one record to the buffer; returns the offset its payload will have (the record's start + 8). */
    private long append(byte[] payload) throws IOException {
        int total = 8 + payload.length;
        if (buffer.remaining() < total) {
            writeBuffer();
            if (buffer.capacity() < total) buffer = ByteBuffer.allocateDirect(total);
        }
        if (buffer.position() == 0) bufferStart = end;
        CRC32C c = new CRC32C();
        c.update(payload, 0, payload.length);
        long at = end;
        buffer.putInt(payload.length).putInt((int) c.getValue()).put(payload);
        end += total;
        return at + 8;
    }

    private void writeBuffer() throws IOException {
        buffer.flip();
        long at = bufferStart;
        while (buffer.hasRemaining()) at += log.write(buffer, at);
        buffer.clear();
    }

    /** Appends the records the change just applied kept for forks ({@link VersionIndex#kept}). */
    private void appendKept() throws IOException {
        List<byte[]> kept = index.kept();
        for (byte[] k : kept) append(k);
        kept.clear();
    }

    /** Writes the buffer, then indexes the chunks in it: readable from now on. */
    private void flush(List<Object[]> unindexed) throws IOException {
        if (buffer.position() > 0) writeBuffer();
        for (Object[] u : unindexed) {
            indexChunk((String) u[0], (Location) u[1]);
            buffered.remove((String) u[0]); // after indexing: a reader finds it in one place or the other
        }
        unindexed.clear();
    }

    // ------------------------------------------------------------------ reads

    /** The content of a version, read chunk by chunk from the log as the stream is consumed. */
    InputStream open(Version v) {
        return ChunkStream.of(v, this::readChunk);
    }

    /**
     * A chunk's bytes, or null when the store has no such chunk. Read without a lock; when a
     * compaction moved the chunks meanwhile, read again under the read lock.
     */
    private byte[] readChunk(String key) throws IOException {
        long stamp = swap.tryOptimisticRead();
        if (stamp != 0) {
            try {
                byte[] data = chunkFrom(log, key);
                if (swap.validate(stamp)) return data;
            } catch (IOException e) {
                if (swap.validate(stamp)) throw e; // not the compaction closing the old file: a real failure
            }
        }
        stamp = swap.readLock();
        try {
            return chunkFrom(log, key);
        } finally {
            swap.unlockRead(stamp);
        }
    }

    private byte[] chunkFrom(FileChannel channel, String key) throws IOException {
        Location at = chunks.get(key);
        if (at == null) {
            byte[] pending = buffered.get(key);
            if (pending != null) return pending;
            at = chunks.get(key); // indexed between the two looks
            if (at == null) return null;
        }
        ByteBuffer b = ByteBuffer.allocate(at.length());
        readFully(channel, b, at.offset());
        return b.array();
    }

    // ------------------------------------------------------------------ compaction

    /** Compacts once the versions expired since the last compaction hold this much (and half the log). */
    volatile long compactAboveBytes = 64L << 20;
    private volatile int compactions;
    /** The index's expired bytes when the log was last written whole (or a compaction last failed). Log thread only. */
    private long compactedAtExpired;

    /** Whether the versions expired since then, an upper bound of what the log holds for nothing, are enough to compact for. */
    private boolean compactionDue() {
        long expired = index.expiredBytes() - compactedAtExpired;
        return expired >= compactAboveBytes && expired * 2 >= end;
    }

    private Path compactFile() {
        return file.resolveSibling(file.getFileName() + ".compact");
    }

    /**
     * Writes the log again with only what the index refers to ({@link Compaction}), makes it the
     * log with an atomic rename, and moves the readers to it. Expired versions' chunks are gone from
     * the disk then. Writers wait meanwhile (this is the log thread); readers do not. On a failure
     * the old log stays as it was. Log thread only, with nothing buffered.
     */
    private void compact() {
        long startNanos = System.nanoTime();
        long before = end;
        Path tmp = compactFile();
        Compaction.Written written;
        try {
            written = Compaction.write(tmp, index.versions(), index.dirs(), index.views.all(), k -> chunkFrom(log, k), index::usage);
        } catch (IOException | RuntimeException e) {
            LOG.warn("filesystem log: compaction failed, the log stays as it was: {}", e.toString());
            try {
                java.nio.file.Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the next open removes it
            }
            compactedAtExpired = index.expiredBytes(); // try again only after as much more has expired
            return;
        }
        FileChannel fresh;
        try {
            fresh = Compaction.install(tmp, file);
        } catch (IOException e) {
            // Renamed or not, the old channel still reads the old content: carry on with it.
            LOG.error("filesystem log: the compacted log could not take the log's place: {}", e.toString());
            compactedAtExpired = index.expiredBytes();
            return;
        }
        FileChannel old;
        long stamp = swap.writeLock();
        try {
            old = log;
            log = fresh;
            chunks.keySet().retainAll(written.chunks().keySet());
            chunks.putAll(written.chunks());
            synchronized (this) {
                chunkBytes = 0;
                for (Location l : written.chunks().values()) chunkBytes += l.length();
            }
            end = written.size();
            bufferStart = end;
            compactedAtExpired = index.expiredBytes();
        } finally {
            swap.unlockWrite(stamp);
        }
        try {
            old.close();
        } catch (IOException ignored) {
            // it was only read
        }
        compactions++;
        LOG.info("filesystem log compacted: {} -> {} bytes in {} ms", before, end, (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Compactions done since the store was opened. */
    int compactions() {
        return compactions;
    }

    /** Bytes of the log file. */
    long logBytes() {
        return end;
    }

    /** Distinct chunks stored and their bytes, for the deduplication ratio. */
    synchronized long[] blobStats() {
        return new long[] {chunks.size(), chunkBytes};
    }

    /** Lets the log thread finish what was queued, then closes the log. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            queue.put(new Stop());
            logThread.join(30_000);
            // A writer that raced with close() queued behind the stop: refuse it rather than leave it waiting.
            for (Item i; (i = queue.poll()) != null; ) {
                if (i instanceof Change c) c.done.completeExceptionally(new SyscallException(Errno.EIO, "the filesystem is closed"));
            }
            log.force(true);
            log.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing the filesystem log: {}", e.toString());
        }
    }
}
