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
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
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
 * {@code [int length][int CRC32C][payload]} ({@link LogRecords}) with an in-memory index, rebuilt
 * by reading the log once at open (a torn tail is cut at the first record that does not hold).
 * A version never changes, so appending is all it does (docs/vfs.md says why not a B-tree store).
 *
 * <p>One log thread does all appends, in queue order. A writer queues its new chunks as it reads
 * them (bounded queue: memory stays bounded for any file size), then its change; the log thread
 * applies a change (quota check, version number, index) when it reaches it — after the writer's
 * chunks — and fsyncs once for everything it appended in a round before acknowledging (group
 * commit). An acknowledged write survives kill -9.
 */
final class VersionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionStore.class);
    static final int CHUNK = 64 * 1024;

    /** Who made a change, for the audit trail; {@code callId} the process's call ({@code FsCaller.callId()}), null for the console. */
    record Author(long pid, String owner, String bundle, String syscall, String callId) {
        Author(long pid, String owner, String bundle, String syscall) {
            this(pid, owner, bundle, syscall, null);
        }
    }

    /**
     * The versions the last calls made, by call id: a call made again after a crash (the kernel
     * never learned its result) is answered with the version it made the first time; the newest
     * {@value #CALLS_KEPT}, filled from the log at start.
     */
    private final org.agentos.kernel.api.syscall.CallsMade<Version> byCall = new org.agentos.kernel.api.syscall.CallsMade<>(CALLS_KEPT);

    static final int CALLS_KEPT = 100_000;

    /** The change {@code who}'s call made before, when this is that call made again: answered, nothing written. */
    private Object[] madeBefore(Author who) {
        Version v = byCall.get(who.callId());
        return v == null ? null : new Object[] {null, v};
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

    // The index. Written by the log thread (and at open), read by anyone.
    private final ConcurrentHashMap<String, Location> chunks = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<String, Version> versions = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, Head> heads = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<String> dirs = new ConcurrentSkipListSet<>();
    /** The forks' views of the files. */
    final ForkViews views = new ForkViews();
    /** Superseded versions kept, per owner: they count against the owner's quota until they expire. */
    private final History history = new History();
    /** pid + NUL + version key. */
    private final ConcurrentSkipListSet<String> byPid = new ConcurrentSkipListSet<>();
    private long chunkBytes;

    private final Path file;
    /** Replaced only when the log is compacted, under {@link #swap}'s write lock. */
    private volatile FileChannel log;
    /** Readers read chunks optimistically; a compaction takes it to change the log file and the chunk index. */
    private final StampedLock swap = new StampedLock();
    private long end;
    private final LongSupplier clock;
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
        /** Checks, updates the index and returns the record to append (null: none) and the result. */
        Object[] apply() throws SyscallException;
    }

    VersionStore(Path file, LongSupplier clock) {
        this.clock = clock;
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
        // Each owner's usage from its live files: a rewritten log need not keep the records in time order.
        Map<String, long[]> live = new HashMap<>();
        heads.forEach((path, h) -> {
            if (h.deleted()) return;
            long[] u = live.computeIfAbsent(h.owner(), o -> new long[2]);
            u[0] += h.size();
            u[1]++;
        });
        live.forEach((owner, u) -> usage.put(owner, new Usage(u[0], u[1])));
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
        switch (in.readByte()) {
            case LogRecords.CHUNK -> {
                byte[] hash = in.readNBytes(32);
                int n = p.length - 33;
                indexChunk(HexFormat.of().formatHex(hash), new Location(payloadOffset + 33, n));
            }
            case LogRecords.VERSION -> {
                Version v = LogRecords.readVersion(in);
                indexVersion(v); // usage: counted from the heads at the end
                String call = LogRecords.readCallId(in);
                if (call != null) byCall.put(call, v);
            }
            case LogRecords.DIR -> dirs.add(in.readUTF());
            case LogRecords.VIEW -> views.put(LogRecords.readView(in));
            case LogRecords.UNVIEW -> views.end(in.readLong());
            case LogRecords.EXPIRE -> {
                String owner = in.readUTF();
                forget(owner, in.readUTF());
            }
            default -> throw new IOException("unknown record type in the log");
        }
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
        return publish(() -> {
            Object[] before = madeBefore(who);
            if (before != null) return before;
            Head head = heads.get(path);
            if (ifLatest != ANY_VERSION) {
                long live = head == null || head.deleted() ? 0 : head.version();
                if (live != ifLatest) {
                    throw new SyscallException(Errno.EAGAIN, path + " changed meanwhile (v" + live + ", expected v" + ifLatest + ")");
                }
            }
            return replaceContent(path, head, s.size(), s.sha256(), s.chunks(), who, 0);
        });
    }

    /** Deletes {@code path}: a version that says so; the history stays. ENOENT if there is nothing to delete. */
    Version delete(String path, Author who) throws SyscallException {
        return delete(path, who, false);
    }

    /** As {@link #delete(String, Author)}; {@code hidesBelow}: where there is no file, a deletion that hides a fork's file below its layer. */
    Version delete(String path, Author who, boolean hidesBelow) throws SyscallException {
        return publish(() -> {
            Object[] before = madeBefore(who);
            if (before != null) return before;
            keepForForks(path);
            Head head = heads.get(path);
            if (head == null && hidesBelow) return newVersion(path, null, 0, null, List.of(), who, true, 0, who.owner(), usage(who.owner()));
            if (head == null || head.deleted()) throw new SyscallException(Errno.ENOENT, "no file " + path);
            Usage u = charge(head.owner(), -head.size(), -1, Quota.NONE);
            return newVersion(path, head, 0, null, List.of(), who, true, 0, head.owner(), u);
        });
    }

    /** Makes version {@code number}'s content the latest again, as a new version. */
    Version restore(String path, long number, Author who) throws SyscallException {
        return restore(path, number, path, who);
    }

    /** Makes version {@code number} of {@code from} the latest content of {@code to} (a fork's layer restores from below it). */
    Version restore(String from, long number, String to, Author who) throws SyscallException {
        return publish(() -> {
            Object[] before = madeBefore(who);
            if (before != null) return before;
            Version old = versions.get(LogRecords.versionKey(from, number));
            if (old == null) throw new SyscallException(Errno.ENOENT, "no version " + number + " of " + from);
            if (old.deleted()) throw new SyscallException(Errno.EINVAL, "version " + number + " of " + from + " is a deletion");
            return replaceContent(to, heads.get(to), old.size(), old.sha256(), old.chunks(), who, number);
        });
    }

    /**
     * New content for {@code path} (a write or a restore): charged to the file's owner — the
     * caller's owner when there is no live file — against that owner's quota. Log thread only.
     */
    private Object[] replaceContent(String path, Head head, long size, String sha, List<String> keys, Author who,
                                    long restoredFrom) throws SyscallException {
        keepForForks(path);
        boolean newFile = head == null || head.deleted();
        String owner = newFile ? who.owner() : head.owner();
        Quota quota = quotas.apply(owner);
        Usage u = charge(owner, size - (newFile ? 0 : head.size()), newFile ? 1 : 0, quota);
        Object[] r = newVersion(path, head, size, sha, keys, who, false, restoredFrom, owner, u);
        // the old content is history now: the oldest history makes room for it (after the version in the log,
        // which is what makes the old content history when the log is read again)
        List<byte[]> expired = makeRoom(owner, quota);
        if (expired.isEmpty()) return r;
        expired.add(0, (byte[]) r[0]);
        return new Object[] {expired, r[1]};
    }

    /**
     * Keeps {@code owner}'s live files and kept versions together within its quota: the oldest
     * kept versions expire until they fit (history is bounded by the quota, not free). Returns
     * the expiry records to log. Log thread only.
     */
    private List<byte[]> makeRoom(String owner, Quota quota) {
        List<byte[]> records = new ArrayList<>();
        while (usage(owner).bytes() + history.bytes(owner) > quota.bytes()) {
            History.Kept oldest = history.oldest(owner);
            if (oldest == null) break;
            forget(owner, oldest.key());
            records.add(LogRecords.expire(owner, oldest.key()));
        }
        return records;
    }

    /** Drops a kept version of {@code owner}'s from the index: it expired. */
    private void forget(String owner, String key) {
        Version v = versions.remove(key);
        if (v != null && v.pid() > 0) byPid.remove(LogRecords.padded(v.pid()) + '\0' + key);
        history.remove(owner, key);
        expiredBytes += v == null ? 0 : v.size();
    }

    /** Bytes of the versions expired since the log was last written whole (an upper bound of what the log holds for nothing). */
    private volatile long expiredBytes;

    /** Each owner's quota, from the filesystem's configuration; none by default. */
    void setQuotas(java.util.function.Function<String, Quota> quotas) {
        this.quotas = quotas;
    }

    private volatile java.util.function.Function<String, Quota> quotas = owner -> Quota.NONE;

    /** Records an explicit directory (its parents exist by prefix). Durable on return. */
    void mkdir(String path, Author who) throws SyscallException {
        publish(() -> {
            dirs.add(path);
            return new Object[] {LogRecords.dir(path), null};
        });
    }

    /** Begins a fork's view of the files ({@link ForkViews}): one record, whatever its files. EEXIST for a pid that has one. */
    void addView(ForkViews.View view) throws SyscallException {
        publish(() -> {
            if (views.of(view.pid()) != null) throw new SyscallException(Errno.EEXIST, "pid " + view.pid() + " has a view already");
            views.put(view);
            return new Object[] {LogRecords.view(view), null};
        });
    }

    /** Process {@code pid} ended: its view goes (when no fork of it sees through it); its layer stays. */
    void endView(long pid) throws SyscallException {
        if (views.of(pid) == null) return;
        publish(() -> new Object[] {views.end(pid) ? LogRecords.unview(pid) : List.of(), null});
    }

    /** Whether {@code path} has a version (a file, or a deletion). */
    boolean hasEntry(String path) {
        return heads.containsKey(path);
    }

    /** The names directly in {@code dir} whose latest version is a deletion. */
    List<String> deletedIn(String dir) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Head> e : heads.subMap(dir + "/", dir + "/\uffff").entrySet()) {
            String rest = e.getKey().substring(dir.length() + 1);
            if (e.getValue().deleted() && rest.indexOf('/') < 0) out.add(rest);
        }
        return out;
    }

    /**
     * Keeps, for the forks that see {@code path} through their layer, what they see before it
     * changes: a version naming the same chunks in their layer, or a deletion where they saw no
     * file (charged to the fork's owner, never refused). Before the change is charged, so that its
     * usage counts them; records go in {@link #kept}. Log thread only.
     */
    private void keepForForks(String path) {
        for (ForkViews.Keep k : views.keepBefore(path, heads::containsKey)) {
            Head h = heads.get(k.seen());
            Version seen = h == null || h.deleted() ? null : versions.get(LogRecords.versionKey(k.seen(), h.version()));
            Usage was = usage(k.holder());
            Usage u = seen == null ? was : new Usage(was.bytes() + seen.size(), was.files() + 1);
            Author keeper = new Author(0, k.holder(), "vfs", "fork view", null);
            kept.add((byte[]) newVersion(k.layer(), null, seen == null ? 0 : seen.size(), seen == null ? null : seen.sha256(),
                    seen == null ? List.of() : seen.chunks(), keeper, seen == null, 0, k.holder(), u)[0]);
        }
    }

    /** The records {@link #keepForForks} made in this change, logged before it. Log thread only. */
    private final List<byte[]> kept = new ArrayList<>();

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

    /** Indexes a new version and returns its log record. Log thread only. */
    private Object[] newVersion(String path, Head head, long size, String sha, List<String> keys, Author who,
                             boolean deleted, long restoredFrom, String owner, Usage after) {
        long number = head == null ? 1 : head.version() + 1;
        Version v = new Version(path, number, size, sha, keys, clock.getAsLong(), who.pid(), who.owner(),
                who.bundle(), who.syscall(), deleted, restoredFrom, owner);
        indexVersion(v);
        usage.put(owner, after);
        byCall.put(who.callId(), v);
        return new Object[] {LogRecords.version(v, after, who.callId()), v};
    }

    private void indexVersion(Version v) {
        String headOwner = v.holder();
        String key = LogRecords.versionKey(v.path(), v.number());
        Head before = heads.get(v.path());
        if (before != null) history.add(before.owner(), LogRecords.versionKey(v.path(), before.version()), before.deleted() ? 0 : before.size());
        versions.put(key, v);
        heads.put(v.path(), new Head(v.number(), v.deleted(), v.size(), headOwner));
        if (v.pid() > 0) byPid.add(LogRecords.padded(v.pid()) + '\0' + key);
    }

    private synchronized void indexChunk(String key, Location at) {
        if (chunks.putIfAbsent(key, at) == null) chunkBytes += at.length();
    }

    /** An owner's usage after a change, refusing what goes over the quota. Log thread only. */
    private Usage charge(String owner, long bytes, long files, Quota quota) throws SyscallException {
        Usage u = usage(owner);
        long b = u.bytes() + bytes;
        long f = u.files() + files;
        if (bytes > 0 && b > quota.bytes()) {
            throw new SyscallException(Errno.EQUOTA, owner + " would use " + b + " bytes, its quota is " + quota.bytes());
        }
        if (files > 0 && f > quota.files()) {
            throw new SyscallException(Errno.EQUOTA, owner + " would have " + f + " files, its quota is " + quota.files());
        }
        return new Usage(b, f);
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
                            for (byte[] k : kept) append(k); // indexed already, and true whether the change is made or not
                            kept.clear();
                            c.done.completeExceptionally(e);
                            continue;
                        } catch (RuntimeException e) {
                            c.done.completeExceptionally(new SyscallException(Errno.EIO, "storing failed: " + e));
                            continue;
                        }
                        for (byte[] k : kept) append(k); // what forks saw, before the change
                        kept.clear();
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
            if (failed == null && !stop && expiredBytes >= compactAboveBytes && expiredBytes * 2 >= end) compact();
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

    Optional<Head> head(String path) {
        return Optional.ofNullable(heads.get(path));
    }

    Optional<Version> version(String path, long number) {
        return Optional.ofNullable(versions.get(LogRecords.versionKey(path, number)));
    }

    /** The latest version if it is not a deletion. */
    Optional<Version> latest(String path) {
        return head(path).filter(h -> !h.deleted()).flatMap(h -> version(path, h.version()));
    }

    /** Every version of {@code path}, oldest first. */
    List<Version> history(String path) {
        String prefix = path + '\0';
        return new ArrayList<>(versions.subMap(prefix, prefix + '\uffff').values());
    }

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
            written = Compaction.write(tmp, versions.values(), dirs, views.all(), k -> chunkFrom(log, k), this::usage);
        } catch (IOException | RuntimeException e) {
            LOG.warn("filesystem log: compaction failed, the log stays as it was: {}", e.toString());
            try {
                java.nio.file.Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the next open removes it
            }
            expiredBytes = 0; // try again only after as much more has expired
            return;
        }
        FileChannel fresh;
        try {
            fresh = Compaction.install(tmp, file);
        } catch (IOException e) {
            // Renamed or not, the old channel still reads the old content: carry on with it.
            LOG.error("filesystem log: the compacted log could not take the log's place: {}", e.toString());
            expiredBytes = 0;
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
            expiredBytes = 0;
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

    boolean isDirectory(String path) {
        if (path.equals("/") || dirs.contains(path)) return true;
        String prefix = path + "/";
        String next = heads.ceilingKey(prefix);
        if (next != null && next.startsWith(prefix)) return true;
        String d = dirs.ceiling(prefix);
        return d != null && d.startsWith(prefix);
    }

    /** The names directly below {@code dir} that have a live file at or under them, or an explicit directory. */
    List<String> list(String dir) {
        String prefix = dir.equals("/") ? "/" : dir + "/";
        TreeSet<String> names = new TreeSet<>();
        for (Map.Entry<String, Head> e : heads.subMap(prefix, prefix + '\uffff').entrySet()) {
            if (e.getValue().deleted()) continue;
            String rest = e.getKey().substring(prefix.length());
            int slash = rest.indexOf('/');
            names.add(slash < 0 ? rest : rest.substring(0, slash) + "/");
        }
        for (String d : dirs.subSet(prefix, prefix + '\uffff')) {
            String rest = d.substring(prefix.length());
            int slash = rest.indexOf('/');
            names.add((slash < 0 ? rest : rest.substring(0, slash)) + "/");
        }
        return new ArrayList<>(names);
    }

    /** The versions process {@code pid} made, oldest first (at most {@code limit}). */
    List<Version> madeBy(long pid, int limit) {
        List<Version> out = new ArrayList<>();
        String prefix = LogRecords.padded(pid) + '\0';
        for (String k : byPid.subSet(prefix, prefix + '\uffff')) {
            if (out.size() >= limit) break;
            Version v = versions.get(k.substring(prefix.length()));
            if (v != null) out.add(v);
        }
        return out;
    }

    Usage usage(String owner) {
        return usage.getOrDefault(owner, new Usage(0, 0));
    }

    Map<String, Usage> usageByOwner() {
        return Collections.unmodifiableMap(new TreeMap<>(usage));
    }

    /** Bytes of {@code owner}'s kept older versions: counted against its quota with its live files. */
    long historyBytes(String owner) {
        return history.bytes(owner);
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
