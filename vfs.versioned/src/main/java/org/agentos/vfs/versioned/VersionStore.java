package org.agentos.vfs.versioned;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.LongSupplier;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine of the versioned filesystem: one H2 MVStore file.
 *
 * <p>Why MVStore: it is a maintained, OSGi-ready embedded store whose commits are atomic
 * (copy-on-write chunks with checksummed headers: after a crash it opens at the last complete
 * commit, so nothing is ever half-written), with concurrent maps for readers. A hand-written
 * append-only log would need the same recovery, compaction and index code again.
 *
 * <p>Layout: file contents are cut into chunks of {@value #CHUNK} bytes stored once under their
 * SHA-256 ({@code chunkIds} → {@code chunkData}: deduplication, and large files stream chunk by
 * chunk, never held whole). Each write, delete or restore adds a {@code versions} record (path, number, size,
 * chunk list, who, when, through which syscall); {@code heads} holds each path's latest version,
 * and {@code usage} each owner's live bytes and files.
 *
 * <p>Durability: a writer stores its chunks itself (content-addressed, so a chunk nobody refers
 * to after a crash is harmless), then hands the metadata to the committer thread. The committer
 * applies every waiting change (quota checks happen here, in order) and commits the batch; the
 * syncer thread fsyncs once for every commit made meanwhile (group commit, overlapping the next
 * batch) and only then acknowledges: an acknowledged write survives kill -9,
 * and since the version record and head are applied by one thread between commits, a commit never
 * holds a version without its head or a head without its version.
 */
final class VersionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionStore.class);
    static final int CHUNK = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private final MVStore store;
    /** SHA-256 of a chunk -> its id in {@code chunkData}. */
    private final MVMap<String, Long> chunkIds;
    /**
     * Chunk id -> bytes. Ids only grow, so new chunks land in the last leaf page: a commit writes
     * new data once instead of rewriting the leaves that random hash keys would spread it over.
     */
    private final MVMap<Long, byte[]> chunkData;
    private final java.util.concurrent.atomic.AtomicLong nextChunkId;
    private final MVMap<String, byte[]> versions;
    private final MVMap<String, byte[]> heads;
    private final MVMap<String, byte[]> usage;
    /** Directories made with mkdir (others exist because files are under them). */
    private final MVMap<String, byte[]> dirs;
    /** pid + NUL + path + NUL + number: the versions each process made. */
    private final MVMap<String, byte[]> byPid;
    private final LongSupplier clock;
    private final LinkedBlockingQueue<Change> pending = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final Thread syncer;
    private volatile boolean closed;

    /** A metadata change waiting for the committer; {@code apply} runs on the committer thread. */
    private static final class Change {
        final ApplyFn apply;
        final CompletableFuture<Version> done = new CompletableFuture<>();

        Change(ApplyFn apply) {
            this.apply = apply;
        }
    }

    @FunctionalInterface
    private interface ApplyFn {
        Version apply() throws SyscallException;
    }

    VersionStore(Path file, LongSupplier clock) {
        this.store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().keysPerPage(16).open();
        this.chunkIds = store.openMap("chunkIds");
        this.chunkData = store.openMap("chunkData");
        Long last = chunkData.lastKey();
        this.nextChunkId = new java.util.concurrent.atomic.AtomicLong(last == null ? 1 : last + 1);
        this.versions = store.openMap("versions");
        this.heads = store.openMap("heads");
        this.usage = store.openMap("usage");
        this.dirs = store.openMap("dirs");
        this.byPid = store.openMap("byPid");
        this.clock = clock;
        this.committer = new Thread(this::commitLoop, "agentos-vfs-commit");
        committer.setDaemon(true);
        committer.start();
        this.syncer = new Thread(this::syncLoop, "agentos-vfs-sync");
        syncer.setDaemon(true);
        syncer.start();
    }

    // ------------------------------------------------------------------ writes

    /**
     * Stores {@code data} as a new version of {@code path} and returns it once it is durable.
     *
     * @throws SyscallException EQUOTA over the owner's quota, EIO when storage fails
     */
    Version write(String path, InputStream data, Author who, Quota quota) throws SyscallException {
        Stored s = storeChunks(data);
        return publish(() -> {
            Head head = head(path).orElse(null);
            String owner = head == null || head.deleted() ? who.owner() : head.owner();
            long oldSize = head == null || head.deleted() ? 0 : head.size();
            boolean newFile = head == null || head.deleted();
            charge(owner, s.size - oldSize, newFile ? 1 : 0, quota);
            return putVersion(path, head, s.size, s.sha256, s.chunks, who, false, 0, owner);
        });
    }

    /** Deletes {@code path}: a version that says so; the history stays. ENOENT if there is nothing to delete. */
    Version delete(String path, Author who) throws SyscallException {
        return publish(() -> {
            Head head = head(path).filter(h -> !h.deleted())
                    .orElseThrow(() -> new SyscallException(Errno.ENOENT, "no file " + path));
            charge(head.owner(), -head.size(), -1, Quota.NONE);
            return putVersion(path, head, 0, null, List.of(), who, true, 0, head.owner());
        });
    }

    /** Makes version {@code number}'s content the latest again, as a new version. */
    Version restore(String path, long number, Author who, Quota quota) throws SyscallException {
        return publish(() -> {
            Version old = version(path, number)
                    .orElseThrow(() -> new SyscallException(Errno.ENOENT, "no version " + number + " of " + path));
            if (old.deleted()) throw new SyscallException(Errno.EINVAL, "version " + number + " of " + path + " is a deletion");
            Head head = head(path).orElse(null);
            String owner = head == null || head.deleted() ? who.owner() : head.owner();
            long oldSize = head == null || head.deleted() ? 0 : head.size();
            charge(owner, old.size() - oldSize, head == null || head.deleted() ? 1 : 0, quota);
            return putVersion(path, head, old.size(), old.sha256(), old.chunks(), who, false, number, owner);
        });
    }

    private record Stored(long size, String sha256, List<String> chunks) {}

    /** Records an explicit directory (and so its parents, which exist by prefix). Durable on return. */
    void mkdir(String path, Author who) throws SyscallException {
        publish(() -> {
            dirs.put(path, encode(new Head(0, false, 0, who.owner())));
            return null;
        });
    }

    boolean isDirectory(String path) {
        if (path.equals("/") || dirs.containsKey(path)) return true;
        String prefix = path + "/";
        String next = heads.ceilingKey(prefix);
        if (next != null && next.startsWith(prefix)) return true;
        String d = dirs.ceilingKey(prefix);
        return d != null && d.startsWith(prefix);
    }

    /** The versions process {@code pid} made, oldest first (at most {@code limit}). */
    List<Version> madeBy(long pid, int limit) {
        List<Version> out = new ArrayList<>();
        String prefix = String.format("%019d", pid) + '\0';
        Iterator<String> keys = byPid.keyIterator(prefix);
        while (keys.hasNext() && out.size() < limit) {
            String k = keys.next();
            if (!k.startsWith(prefix)) break;
            byte[] v = versions.get(k.substring(prefix.length()));
            if (v != null) out.add(decode(v, Version.class));
        }
        return out;
    }

    /** Cuts the stream into chunks, storing each new one under its hash; the whole file's hash too. */
    private Stored storeChunks(InputStream data) throws SyscallException {
        MessageDigest whole = sha256();
        List<String> chunks = new ArrayList<>();
        long size = 0;
        byte[] buf = new byte[CHUNK];
        try {
            while (true) {
                int n = data.readNBytes(buf, 0, CHUNK);
                if (n == 0) break;
                size += n;
                if (!chunks.isEmpty() || n == CHUNK) whole.update(buf, 0, n);
                MessageDigest d = sha256();
                d.update(buf, 0, n);
                String key = HexFormat.of().formatHex(d.digest());
                if (!chunkIds.containsKey(key)) {
                    long id = nextChunkId.getAndIncrement();
                    chunkData.put(id, java.util.Arrays.copyOf(buf, n));
                    // Two writers of the same new chunk: the loser's copy is dropped again.
                    if (chunkIds.putIfAbsent(key, id) != null) chunkData.remove(id);
                }
                chunks.add(key);
                if (n < CHUNK) break;
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading the data to write failed: " + e.getMessage());
        }
        // A file of one chunk is that chunk: its hash is already known.
        String sha = chunks.size() == 1 ? chunks.get(0) : HexFormat.of().formatHex(whole.digest());
        return new Stored(size, sha, chunks);
    }

    /** Adds a version record and moves the head. Committer thread only. */
    private Version putVersion(String path, Head head, long size, String sha, List<String> chunks, Author who,
                               boolean deleted, long restoredFrom, String owner) throws SyscallException {
        long number = head == null ? 1 : head.version() + 1;
        Version v = new Version(path, number, size, sha, chunks, clock.getAsLong(), who.pid(), who.owner(),
                who.bundle(), who.syscall(), deleted, restoredFrom);
        versions.put(versionKey(path, number), encode(v));
        if (who.pid() > 0) byPid.put(String.format("%019d", who.pid()) + '\0' + versionKey(path, number), new byte[0]);
        heads.put(path, encode(new Head(number, deleted, size, owner)));
        return v;
    }

    /** Charges an owner's usage, refusing what goes over the quota. Committer thread only. */
    private void charge(String owner, long bytes, long files, Quota quota) throws SyscallException {
        Usage u = usage(owner);
        long b = u.bytes() + bytes;
        long f = u.files() + files;
        if (bytes > 0 && b > quota.bytes()) {
            throw new SyscallException(Errno.EQUOTA, owner + " would use " + b + " bytes, its quota is " + quota.bytes());
        }
        if (files > 0 && f > quota.files()) {
            throw new SyscallException(Errno.EQUOTA, owner + " would have " + f + " files, its quota is " + quota.files());
        }
        usage.put(owner, encode(new Usage(b, f)));
    }

    private Version publish(ApplyFn apply) throws SyscallException {
        Change c = new Change(apply);
        synchronized (pending) {
            // Under the same lock as close(): every change is queued before the close marker.
            if (closed) throw new SyscallException(Errno.EIO, "the filesystem is closed");
            pending.add(c);
        }
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

    /** Applies waiting changes in order, then one commit and fsync for the batch, then the acknowledgements. */
    private void commitLoop() {
        List<Change> batch = new ArrayList<>();
        List<Version> results = new ArrayList<>();
        while (true) {
            try {
                Change first = pending.take();
                if (first.apply == null) break; // close()
                batch.add(first);
                pending.drainTo(batch);
                boolean stop = false;
                results.clear();
                for (Change c : batch) {
                    if (c.apply == null) {
                        stop = true;
                        results.add(null);
                        continue;
                    }
                    try {
                        results.add(c.apply.apply());
                    } catch (SyscallException e) {
                        results.add(null);
                        c.done.completeExceptionally(e);
                    } catch (RuntimeException e) {
                        results.add(null);
                        c.done.completeExceptionally(new SyscallException(Errno.EIO, "storing failed: " + e));
                    }
                }
                RuntimeException failed = null;
                try {
                    store.commit(); // to the OS; the syncer makes it durable
                } catch (RuntimeException e) {
                    LOG.error("vfs commit failed", e);
                    failed = e;
                }
                List<Change> waiting = new ArrayList<>();
                List<Version> waitingResults = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    Change c = batch.get(i);
                    if (c.apply == null || c.done.isDone()) continue;
                    if (failed != null) {
                        c.done.completeExceptionally(new SyscallException(Errno.EIO, "commit failed: " + failed));
                    } else {
                        waiting.add(c);
                        waitingResults.add(results.get(i));
                    }
                }
                if (!waiting.isEmpty()) synced.add(new Committed(waiting, waitingResults));
                batch.clear();
                if (stop) break;
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    /** Changes committed to the OS, waiting for the fsync that makes them durable. */
    private record Committed(List<Change> changes, List<Version> results) {}

    private static final Committed SYNC_STOP = new Committed(List.of(), List.of());
    private final LinkedBlockingQueue<Committed> synced = new LinkedBlockingQueue<>();

    /**
     * Fsyncs and acknowledges, overlapping with the committer's next batch: one fsync covers
     * every commit made before it, so the disk's flush latency is paid once per round, not per
     * commit, and the committer never waits for it.
     */
    private void syncLoop() {
        List<Committed> round = new ArrayList<>();
        while (true) {
            try {
                round.add(synced.take());
            } catch (InterruptedException e) {
                break;
            }
            synced.drainTo(round);
            boolean stop = round.remove(SYNC_STOP);
            RuntimeException failed = null;
            try {
                store.sync();
            } catch (RuntimeException e) {
                LOG.error("vfs fsync failed", e);
                failed = e;
            }
            for (Committed c : round) {
                for (int i = 0; i < c.changes().size(); i++) {
                    if (failed != null) {
                        c.changes().get(i).done.completeExceptionally(new SyscallException(Errno.EIO, "fsync failed: " + failed));
                    } else {
                        c.changes().get(i).done.complete(c.results().get(i));
                    }
                }
            }
            round.clear();
            if (stop) break;
        }
    }

    // ------------------------------------------------------------------ reads

    Optional<Head> head(String path) {
        byte[] b = heads.get(path);
        return b == null ? Optional.empty() : Optional.of(decode(b, Head.class));
    }

    Optional<Version> version(String path, long number) {
        byte[] b = versions.get(versionKey(path, number));
        return b == null ? Optional.empty() : Optional.of(decode(b, Version.class));
    }

    /** The latest version if it is not a deletion. */
    Optional<Version> latest(String path) {
        return head(path).filter(h -> !h.deleted()).flatMap(h -> version(path, h.version()));
    }

    /** Every version of {@code path}, oldest first. */
    List<Version> history(String path) {
        List<Version> out = new ArrayList<>();
        String from = versionKey(path, 0);
        Iterator<String> keys = versions.keyIterator(from);
        String prefix = path + '\0';
        while (keys.hasNext()) {
            String k = keys.next();
            if (!k.startsWith(prefix)) break;
            out.add(decode(versions.get(k), Version.class));
        }
        return out;
    }

    /** The content of a version, read chunk by chunk as the stream is consumed. */
    InputStream open(Version v) {
        Iterator<String> chunks = v.chunks().iterator();
        return new SequenceInputStream(new java.util.Enumeration<InputStream>() {
            @Override
            public boolean hasMoreElements() {
                return chunks.hasNext();
            }

            @Override
            public InputStream nextElement() {
                String key = chunks.next();
                Long id = chunkIds.get(key);
                byte[] b = id == null ? null : chunkData.get(id);
                if (b == null) throw new IllegalStateException("chunk " + key + " of " + v.path() + " v" + v.number() + " is missing");
                return new ByteArrayInputStream(b);
            }
        });
    }

    /** The names directly below {@code dir} that have a live file at or under them. */
    List<String> list(String dir) {
        String prefix = dir.equals("/") ? "/" : dir + "/";
        TreeSet<String> names = new TreeSet<>();
        Iterator<String> keys = heads.keyIterator(prefix);
        while (keys.hasNext()) {
            String k = keys.next();
            if (!k.startsWith(prefix)) break;
            if (decode(heads.get(k), Head.class).deleted()) continue;
            String rest = k.substring(prefix.length());
            int slash = rest.indexOf('/');
            names.add(slash < 0 ? rest : rest.substring(0, slash) + "/");
        }
        Iterator<String> ds = dirs.keyIterator(prefix);
        while (ds.hasNext()) {
            String k = ds.next();
            if (!k.startsWith(prefix)) break;
            String rest = k.substring(prefix.length());
            int slash = rest.indexOf('/');
            names.add((slash < 0 ? rest : rest.substring(0, slash)) + "/");
        }
        return new ArrayList<>(names);
    }

    Usage usage(String owner) {
        byte[] b = usage.get(owner);
        return b == null ? new Usage(0, 0) : decode(b, Usage.class);
    }

    Map<String, Usage> usageByOwner() {
        Map<String, Usage> out = new java.util.TreeMap<>();
        for (Map.Entry<String, byte[]> e : usage.entrySet()) out.put(e.getKey(), decode(e.getValue(), Usage.class));
        return Collections.unmodifiableMap(out);
    }

    /** Distinct chunks stored and their bytes, for the deduplication ratio. */
    long[] blobStats() {
        long n = 0;
        long bytes = 0;
        for (byte[] b : chunkData.values()) {
            n++;
            bytes += b.length;
        }
        return new long[] {n, bytes};
    }

    // ------------------------------------------------------------------ helpers

    /** Version keys sort by path, then number: a path's history is one range. */
    static String versionKey(String path, long number) {
        return path + '\0' + String.format("%019d", number);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static byte[] encode(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T decode(byte[] b, Class<T> type) {
        try {
            return JSON.readValue(b, type);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt " + type.getSimpleName() + " record", e);
        }
    }

    /** Waits for the committer to finish what was handed to it, then closes the file. */
    @Override
    public void close() {
        synchronized (pending) {
            if (closed) return;
            closed = true;
            pending.add(new Change(null));
        }
        try {
            committer.join(30_000);
            synced.add(SYNC_STOP);
            syncer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
