package org.agentos.vfs.versioned;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.agentos.kernel.api.syscall.CallsMade;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.vfs.versioned.VersionStore.Author;
import org.agentos.vfs.versioned.VersionStore.Head;
import org.agentos.vfs.versioned.VersionStore.Quota;
import org.agentos.vfs.versioned.VersionStore.Usage;
import org.agentos.vfs.versioned.VersionStore.Version;

/**
 * The versioned filesystem's state, in memory: versions by {@code path NUL number} (so a history
 * is one range), each path's head, owners' usage and history, explicit directories, versions per
 * process and per call, the forks' views; and the changes that move it on. It is what the log
 * says, nothing more: {@link VersionStore} rebuilds it at open ({@link #replay}) and applies each
 * change ({@code apply...}) on its log thread, in log order, appending the records the change
 * returns. So it is written by that thread (and at open) only, and read by any thread without a
 * lock (concurrent maps; a version is indexed before its head names it).
 *
 * <p>A change returns {@code {records, result}}: what to log (a {@code byte[]}, a list of them, or
 * null) and the version it made. A refused change throws; what it {@linkplain #kept() kept for forks}
 * before the refusal stays, and is logged all the same.
 */
final class VersionIndex {
    /**
     * The versions the last calls made, by call id: a call made again after a crash (the kernel
     * never learned its result) is answered with the version it made the first time; the newest
     * {@value #CALLS_KEPT}, filled from the log at start.
     */
    private final CallsMade<Version> byCall = new CallsMade<>(CALLS_KEPT);

    static final int CALLS_KEPT = 100_000;

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
    /** Bytes of the versions expired since open: what the log holds for nothing until it is compacted. */
    private long expiredBytes;

    private final LongSupplier clock;
    private volatile Function<String, Quota> quotas = owner -> Quota.NONE;

    VersionIndex(LongSupplier clock) {
        this.clock = clock;
    }

    /** Each owner's quota, from the filesystem's configuration; none by default. */
    void setQuotas(Function<String, Quota> quotas) {
        this.quotas = quotas;
    }

    // ------------------------------------------------------------------ reading the log at open

    /** Applies a record of the log (any type but a chunk, which is the log's) read at open. */
    void replay(byte type, DataInputStream in) throws IOException {
        switch (type) {
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

    /** Once the log is read: each owner's usage from its live files (a compacted log need not keep the records in time order). */
    void countUsage() {
        Map<String, long[]> live = new HashMap<>();
        heads.forEach((path, h) -> {
            if (h.deleted()) return;
            long[] u = live.computeIfAbsent(h.owner(), o -> new long[2]);
            u[0] += h.size();
            u[1]++;
        });
        live.forEach((owner, u) -> usage.put(owner, new Usage(u[0], u[1])));
    }

    // ------------------------------------------------------------------ changes (log thread only)

    /** New content for {@code path} unless {@code ifLatest} is no longer its latest live version (EAGAIN). */
    Object[] applyWrite(String path, Chunker.Cut s, Author who, long ifLatest) throws SyscallException {
        Object[] before = madeBefore(who);
        if (before != null) return before;
        Head head = heads.get(path);
        if (ifLatest != VersionStore.ANY_VERSION) {
            long live = head == null || head.deleted() ? 0 : head.version();
            if (live != ifLatest) {
                throw new SyscallException(Errno.EAGAIN, path + " changed meanwhile (v" + live + ", expected v" + ifLatest + ")");
            }
        }
        return replaceContent(path, head, s.size(), s.sha256(), s.chunks(), who, 0);
    }

    /** A deletion of {@code path}; {@code hidesBelow}: where there is no file, one that hides a fork's file below its layer. */
    Object[] applyDelete(String path, Author who, boolean hidesBelow) throws SyscallException {
        Object[] before = madeBefore(who);
        if (before != null) return before;
        keepForForks(path);
        Head head = heads.get(path);
        if (head == null && hidesBelow) return newVersion(path, null, 0, null, List.of(), who, true, 0, who.owner(), usage(who.owner()));
        if (head == null || head.deleted()) throw new SyscallException(Errno.ENOENT, "no file " + path);
        Usage u = charge(head.owner(), -head.size(), -1, Quota.NONE);
        return newVersion(path, head, 0, null, List.of(), who, true, 0, head.owner(), u);
    }

    /** Version {@code number} of {@code from} as the latest content of {@code to}. */
    Object[] applyRestore(String from, long number, String to, Author who) throws SyscallException {
        Object[] before = madeBefore(who);
        if (before != null) return before;
        Version old = versions.get(LogRecords.versionKey(from, number));
        if (old == null) throw new SyscallException(Errno.ENOENT, "no version " + number + " of " + from);
        if (old.deleted()) throw new SyscallException(Errno.EINVAL, "version " + number + " of " + from + " is a deletion");
        return replaceContent(to, heads.get(to), old.size(), old.sha256(), old.chunks(), who, number);
    }

    Object[] applyMkdir(String path) {
        dirs.add(path);
        return new Object[] {LogRecords.dir(path), null};
    }

    /** EEXIST for a pid that has a view. */
    Object[] applyView(ForkViews.View view) throws SyscallException {
        if (views.of(view.pid()) != null) throw new SyscallException(Errno.EEXIST, "pid " + view.pid() + " has a view already");
        views.put(view);
        return new Object[] {LogRecords.view(view), null};
    }

    Object[] applyUnview(long pid) {
        return new Object[] {views.end(pid) ? LogRecords.unview(pid) : List.of(), null};
    }

    /** The change {@code who}'s call made before, when this is that call made again: answered, nothing written. */
    private Object[] madeBefore(Author who) {
        Version v = byCall.get(who.callId());
        return v == null ? null : new Object[] {null, v};
    }

    /**
     * New content for {@code path} (a write or a restore): charged to the file's owner — the
     * caller's owner when there is no live file — against that owner's quota.
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
     * the expiry records to log.
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

    /** Drops a kept version of {@code owner}'s: it expired. */
    private void forget(String owner, String key) {
        Version v = versions.remove(key);
        if (v != null && v.pid() > 0) byPid.remove(LogRecords.padded(v.pid()) + '\0' + key);
        history.remove(owner, key);
        expiredBytes += v == null ? 0 : v.size();
    }

    /**
     * Keeps, for the forks that see {@code path} through their layer, what they see before it
     * changes: a version naming the same chunks in their layer, or a deletion where they saw no
     * file (charged to the fork's owner, never refused). Before the change is charged, so that its
     * usage counts them; records go in {@link #kept}.
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

    private final List<byte[]> kept = new ArrayList<>();

    /** The records {@link #keepForForks} made in this change: the log thread logs them before it, then clears them. */
    List<byte[]> kept() {
        return kept;
    }

    /** Indexes a new version and returns its log record. */
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

    /** An owner's usage after a change, refusing what goes over the quota. */
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

    // ------------------------------------------------------------------ reads (any thread)

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

    /** Whether {@code path} has a version (a file, or a deletion). */
    boolean hasEntry(String path) {
        return heads.containsKey(path);
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

    /** The names directly in {@code dir} whose latest version is a deletion. */
    List<String> deletedIn(String dir) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Head> e : heads.subMap(dir + "/", dir + "/\uffff").entrySet()) {
            String rest = e.getKey().substring(dir.length() + 1);
            if (e.getValue().deleted() && rest.indexOf('/') < 0) out.add(rest);
        }
        return out;
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

    /** Every version kept, and the explicit directories: what a compacted log holds. */
    Collection<Version> versions() {
        return versions.values();
    }

    Collection<String> dirs() {
        return dirs;
    }

    /** Bytes of the versions expired since open (log thread only). */
    long expiredBytes() {
        return expiredBytes;
    }
}
