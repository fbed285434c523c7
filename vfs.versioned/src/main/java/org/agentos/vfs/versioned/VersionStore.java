package org.agentos.vfs.versioned;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
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
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine of the versioned filesystem: an append-only log with an in-memory index.
 *
 * <p>Why a log: every change is new data (a version never changes), so appending is all the
 * store ever does, and one sequential file with group commit writes each byte once. An embedded
 * B-tree store (H2 MVStore was the first engine here) rewrites the copy-on-write pages that every
 * change touches and capped durable 4 KiB writes at ~8k/s on 2 cores; see docs/vfs.md.
 *
 * <p>Records: {@code [int length][int CRC32C][payload]}, payload first byte the type: a chunk
 * (SHA-256 and up to {@value #CHUNK} bytes: content is cut into chunks stored once, so equal
 * content is deduplicated and large files stream in and out chunk by chunk), a version (path,
 * number, size, hash, chunk list, who, when, which syscall, the owner's usage after it), or a
 * directory. At open the log is read once to rebuild the index; a torn tail (a crash mid-append)
 * is cut off at the first record whose length or checksum does not hold.
 *
 * <p>One log thread does all appends, in queue order. A writer queues its new chunks as it reads
 * them (bounded queue: memory stays bounded for any file size), then its version change; the log
 * thread applies a change (quota check, version number, index) when it reaches it — after the
 * writer's chunks, which are then already written — and fsyncs once for everything it appended
 * in a round before acknowledging (group commit). An acknowledged write survives kill -9.
 */
final class VersionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionStore.class);
    static final int CHUNK = 64 * 1024;
    private static final byte T_CHUNK = 1;
    private static final byte T_VERSION = 2;
    private static final byte T_DIR = 3;

    /** Who made a change, for the audit trail. */
    record Author(long pid, String owner, String bundle, String syscall) {}

    /** Limits of an owner; {@code Long.MAX_VALUE} = none. */
    record Quota(long bytes, long files) {
        static final Quota NONE = new Quota(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** One version of a path. {@code restoredFrom} is the version a restore copied, else 0. */
    record Version(String path, long number, long size, String sha256, List<String> chunks, long time, long pid,
                   String owner, String bundle, String syscall, boolean deleted, long restoredFrom) {}

    /** A path's latest version; {@code owner} is whose quota the file counts against. */
    record Head(long version, boolean deleted, long size, String owner) {}

    /** An owner's live files and their bytes. */
    record Usage(long bytes, long files) {}

    /** Where a chunk's bytes are in the log. */
    private record Location(long offset, int length) {}

    // The index. Written by the log thread (and at open), read by anyone.
    private final ConcurrentHashMap<String, Location> chunks = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<String, Version> versions = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, Head> heads = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<String> dirs = new ConcurrentSkipListSet<>();
    /** pid + NUL + version key. */
    private final ConcurrentSkipListSet<String> byPid = new ConcurrentSkipListSet<>();
    private long chunkBytes;

    private final FileChannel log;
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
        try {
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
        return pos;
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = log.read(b, at + b.position());
            if (n < 0) throw new IOException("unexpected end of the log at " + (at + b.position()));
        }
        b.flip();
    }

    private void replay(byte[] p, long payloadOffset) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(p));
        switch (in.readByte()) {
            case T_CHUNK -> {
                byte[] hash = in.readNBytes(32);
                int n = p.length - 33;
                indexChunk(HexFormat.of().formatHex(hash), new Location(payloadOffset + 33, n));
            }
            case T_VERSION -> {
                Version v = readVersion(in);
                String headOwner = in.readUTF();
                Usage u = new Usage(in.readLong(), in.readLong());
                indexVersion(v, headOwner);
                usage.put(headOwner, u);
            }
            case T_DIR -> dirs.add(in.readUTF());
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
        Stored s = storeChunks(data);
        return publish(() -> {
            Head head = heads.get(path);
            if (ifLatest != ANY_VERSION) {
                long live = head == null || head.deleted() ? 0 : head.version();
                if (live != ifLatest) {
                    throw new SyscallException(Errno.EAGAIN, path + " changed meanwhile (v" + live + ", expected v" + ifLatest + ")");
                }
            }
            return replaceContent(path, head, s.size, s.sha256, s.chunks, who, 0);
        });
    }

    /** Deletes {@code path}: a version that says so; the history stays. ENOENT if there is nothing to delete. */
    Version delete(String path, Author who) throws SyscallException {
        return publish(() -> {
            Head head = heads.get(path);
            if (head == null || head.deleted()) throw new SyscallException(Errno.ENOENT, "no file " + path);
            Usage u = charge(head.owner(), -head.size(), -1, Quota.NONE);
            return newVersion(path, head, 0, null, List.of(), who, true, 0, head.owner(), u);
        });
    }

    /** Makes version {@code number}'s content the latest again, as a new version. */
    Version restore(String path, long number, Author who) throws SyscallException {
        return publish(() -> {
            Version old = versions.get(versionKey(path, number));
            if (old == null) throw new SyscallException(Errno.ENOENT, "no version " + number + " of " + path);
            if (old.deleted()) throw new SyscallException(Errno.EINVAL, "version " + number + " of " + path + " is a deletion");
            return replaceContent(path, heads.get(path), old.size(), old.sha256(), old.chunks(), who, number);
        });
    }

    /**
     * New content for {@code path} (a write or a restore): charged to the file's owner — the
     * caller's owner when there is no live file — against that owner's quota. Log thread only.
     */
    private Object[] replaceContent(String path, Head head, long size, String sha, List<String> keys, Author who,
                                    long restoredFrom) throws SyscallException {
        boolean newFile = head == null || head.deleted();
        String owner = newFile ? who.owner() : head.owner();
        Usage u = charge(owner, size - (newFile ? 0 : head.size()), newFile ? 1 : 0, quotas.apply(owner));
        return newVersion(path, head, size, sha, keys, who, false, restoredFrom, owner, u);
    }

    /** Each owner's quota, from the filesystem's configuration; none by default. */
    void setQuotas(java.util.function.Function<String, Quota> quotas) {
        this.quotas = quotas;
    }

    private volatile java.util.function.Function<String, Quota> quotas = owner -> Quota.NONE;

    /** Records an explicit directory (its parents exist by prefix). Durable on return. */
    void mkdir(String path, Author who) throws SyscallException {
        publish(() -> {
            dirs.add(path);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(b)) {
                out.writeByte(T_DIR);
                out.writeUTF(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Object[] {b.toByteArray(), null};
        });
    }

    private record Stored(long size, String sha256, List<String> chunks) {}

    /**
     * A writer thread's chunk buffer and digests, reused: a 64 KiB buffer per write would be a
     * gigabyte per second of garbage at the write rates this store is for.
     */
    private static final class Scratch {
        final byte[] buf = new byte[CHUNK];
        final MessageDigest whole = sha256();
        final MessageDigest chunk = sha256();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Cuts the stream into chunks and queues each one the store does not have yet. */
    private Stored storeChunks(InputStream data) throws SyscallException {
        Scratch scratch = SCRATCH.get();
        MessageDigest whole = scratch.whole;
        whole.reset();
        List<String> keys = new ArrayList<>();
        long size = 0;
        byte[] buf = scratch.buf;
        try {
            while (true) {
                int n = data.readNBytes(buf, 0, CHUNK);
                if (n == 0) break;
                size += n;
                if (!keys.isEmpty() || n == CHUNK) whole.update(buf, 0, n);
                MessageDigest d = scratch.chunk;
                d.reset();
                d.update(buf, 0, n);
                byte[] hash = d.digest();
                String key = HexFormat.of().formatHex(hash);
                if (!chunks.containsKey(key)) enqueue(new ChunkItem(key, hash, java.util.Arrays.copyOf(buf, n)));
                keys.add(key);
                if (n < CHUNK) break;
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading the data to write failed: " + e.getMessage());
        }
        // A file of one chunk is that chunk: its hash is already known.
        String sha = keys.size() == 1 ? keys.get(0) : HexFormat.of().formatHex(whole.digest());
        return new Stored(size, sha, keys);
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
                who.bundle(), who.syscall(), deleted, restoredFrom);
        indexVersion(v, owner);
        usage.put(owner, after);
        ByteArrayOutputStream b = new ByteArrayOutputStream(128 + 32 * keys.size());
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(T_VERSION);
            writeVersion(out, v);
            out.writeUTF(owner);
            out.writeLong(after.bytes());
            out.writeLong(after.files());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Object[] {b.toByteArray(), v};
    }

    private void indexVersion(Version v, String headOwner) {
        String key = versionKey(v.path(), v.number());
        versions.put(key, v);
        heads.put(v.path(), new Head(v.number(), v.deleted(), v.size(), headOwner));
        if (v.pid() > 0) byPid.add(padded(v.pid()) + '\0' + key);
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
                        byte[] p = new byte[33 + ci.data().length];
                        p[0] = T_CHUNK;
                        System.arraycopy(ci.hash(), 0, p, 1, 32);
                        System.arraycopy(ci.data(), 0, p, 33, ci.data().length);
                        long at = append(p);
                        unindexed.add(new Object[] {ci.key(), new Location(at + 33, ci.data().length)});
                        // Readable at once: a version applied in this round may refer to it before the buffer is written.
                        buffered.put(ci.key(), ci.data());
                    } else if (item instanceof Change c) {
                        Object[] r;
                        try {
                            r = c.apply.apply();
                        } catch (SyscallException e) {
                            c.done.completeExceptionally(e);
                            continue;
                        } catch (RuntimeException e) {
                            c.done.completeExceptionally(new SyscallException(Errno.EIO, "storing failed: " + e));
                            continue;
                        }
                        if (r[0] != null) append((byte[]) r[0]);
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
        return Optional.ofNullable(versions.get(versionKey(path, number)));
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
        Iterator<String> keys = v.chunks().iterator();
        return new SequenceInputStream(new java.util.Enumeration<InputStream>() {
            @Override
            public boolean hasMoreElements() {
                return keys.hasNext();
            }

            @Override
            public InputStream nextElement() {
                String key = keys.next();
                Location at = chunks.get(key);
                if (at == null) {
                    byte[] pending = buffered.get(key);
                    if (pending != null) return new ByteArrayInputStream(pending);
                    at = chunks.get(key); // indexed between the two looks
                }
                if (at == null) throw new IllegalStateException("chunk " + key + " of " + v.path() + " v" + v.number() + " is missing");
                ByteBuffer b = ByteBuffer.allocate(at.length());
                try {
                    readFully(b, at.offset());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return new ByteArrayInputStream(b.array());
            }
        });
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
        String prefix = padded(pid) + '\0';
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

    /** Distinct chunks stored and their bytes, for the deduplication ratio. */
    synchronized long[] blobStats() {
        return new long[] {chunks.size(), chunkBytes};
    }

    // ------------------------------------------------------------------ helpers

    /** Version keys sort by path, then number: a path's history is one range. */
    static String versionKey(String path, long number) {
        return path + '\0' + padded(number);
    }

    /** 19 digits, zero-padded: numbers sort as text. String.format costs a microsecond here. */
    private static String padded(long n) {
        String s = Long.toString(n);
        return "0000000000000000000".substring(s.length()) + s;
    }

    private static void writeVersion(DataOutputStream out, Version v) throws IOException {
        out.writeUTF(v.path());
        out.writeLong(v.number());
        out.writeLong(v.size());
        out.writeBoolean(v.sha256() != null);
        if (v.sha256() != null) out.write(HexFormat.of().parseHex(v.sha256()));
        out.writeInt(v.chunks().size());
        for (String k : v.chunks()) out.write(HexFormat.of().parseHex(k));
        out.writeLong(v.time());
        out.writeLong(v.pid());
        out.writeUTF(v.owner());
        out.writeUTF(v.bundle() == null ? "" : v.bundle());
        out.writeUTF(v.syscall() == null ? "" : v.syscall());
        out.writeBoolean(v.deleted());
        out.writeLong(v.restoredFrom());
    }

    private static Version readVersion(DataInputStream in) throws IOException {
        String path = in.readUTF();
        long number = in.readLong();
        long size = in.readLong();
        String sha = in.readBoolean() ? HexFormat.of().formatHex(in.readNBytes(32)) : null;
        int n = in.readInt();
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) keys.add(HexFormat.of().formatHex(in.readNBytes(32)));
        long time = in.readLong();
        long pid = in.readLong();
        String owner = in.readUTF();
        String bundle = in.readUTF();
        String syscall = in.readUTF();
        boolean deleted = in.readBoolean();
        long restoredFrom = in.readLong();
        return new Version(path, number, size, sha, List.copyOf(keys), time, pid, owner,
                bundle.isEmpty() ? null : bundle, syscall.isEmpty() ? null : syscall, deleted, restoredFrom);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
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
