package org.agentos.memory.hierarchical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.agentos.kernel.api.journal.Journal;
import org.agentos.kernel.api.memory.CasOutcome;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemKey;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemUsage;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.security.OwnerNames;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The memory manager's core, outside OSGi: spaces of {@link PageTree}s of {@link Entry}s, quotas,
 * locks and semaphores, the context window paged to the {@link Archive}, and the {@link Journal}
 * of the persistent spaces.
 *
 * <p>Locking. Reads take no lock: a space's tree is immutable and its root volatile, the access
 * check is a pure function of the caller, and a stored JSON value is read-only ({@link FrozenJson}),
 * so a get returns it without a copy. Only a get that must page in or touch the context window's
 * LRU order takes the space's lock. Writes take the space's lock (the {@link Space} object), and
 * apply and log a change under it, so each space's records are in the log in the order its changes
 * were made, which is what replay needs. Whatever spans spaces (creating, forking, dropping them,
 * process exit, import and export) also holds the store's lock (this object), taken first: a
 * fork logs its record while it holds the parent's lock, so the record sits after every parent
 * write its copy has and before any write to the child, which is published only then. Owner
 * quotas are charged atomically per owner ({@link #charge}). A running compaction's snapshot is
 * taken under {@code logOrder}'s write lock while every persistent change and its record are
 * made under its read lock, so the snapshot is exactly the state at its place in the log.
 * Lock order: store, space(s), {@code logOrder}; only holders of the store's lock hold two spaces'.
 */
final class MemoryStore implements MemoryManager, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MemoryStore.class);
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_VALUE = 16 << 20;
    static final int MAX_SUMMARY = 4096;
    static final int MAX_LIST = 1000;
    private static final long DURABLE_WAIT_SECONDS = 60;

    private volatile MemorySettings settings;
    private final LongSupplier clock;
    private final Journal log;
    private final Archive archive;
    private final Map<String, Space> spaces = new ConcurrentSkipListMap<>();
    /** Bytes per owner over all its spaces: counters changed lock-free by writes to different spaces. */
    private final ConcurrentHashMap<String, AtomicLong> ownerBytes = new ConcurrentHashMap<>();
    private final Map<Long, Long> budgets = new ConcurrentHashMap<>();
    private final AtomicLong stamp = new AtomicLong();
    private final AtomicLong archiveSeq = new AtomicLong();
    private final AtomicLong writesSinceCompactCheck = new AtomicLong();
    private final ReentrantReadWriteLock logOrder = new ReentrantReadWriteLock();

    MemoryStore(MemorySettings settings) throws IOException {
        this(settings, System::currentTimeMillis);
    }

    MemoryStore(MemorySettings settings, LongSupplier clock) throws IOException {
        this.settings = settings;
        this.clock = clock;
        Path dir = settings.dataDir();
        if (dir == null) {
            addSpace(new Space("system", "root", false, 0, 0));
            this.log = null;
            this.archive = new Archive(null);
            return;
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("memory.log");
        addSpace(new Space("system", "root", true, 0, 0));
        Journal.read(file, r -> replay((ObjectNode) JSON.readTree(r)));
        Journal.rewrite(file, snapshot());
        this.log = Journal.open(file);
        this.archive = new Archive(dir.resolve("archive"));
        for (Space s : spaces.values()) enforceBudget(s, Set.of());
    }

    @Override
    public String name() {
        return "hierarchical";
    }

    MemorySettings settings() {
        return settings;
    }

    /** New quotas, policies and default budget; the data directory stays what it was opened with. */
    synchronized void reconfigure(MemorySettings next) {
        if (!java.util.Objects.equals(next.dataDir(), settings.dataDir())) {
            LOG.warn("memory dataDir {} takes effect at the next start; {} stays in use", next.dataDir(), settings.dataDir());
        }
        settings = new MemorySettings(settings.dataDir(), next.processQuotaBytes(), next.ownerQuotaBytes(),
                next.ownerQuotas(), next.userSpacesPersistent(), next.keepUserSpacesOnExit(), next.defaultTokenBudget(),
                next.compactMinBytes());
    }

    // ------------------------------------------------------------------ entries

    @Override
    public MemEntry get(MemCaller caller, String space, String key) throws SyscallException {
        MemKey.check(key);
        Space s = readable(caller, space);
        Entry e = s.tree.get(key);
        if (e == null) throw new SyscallException(Errno.ENOENT, "no key '" + key + "' in " + space);
        if (e.resident() && !e.working()) return view(s, e); // the common case: no lock
        synchronized (s) {
            if (s.dropped) throw new SyscallException(Errno.ENOENT, "no space " + space);
            e = s.tree.get(key);
            if (e == null) throw new SyscallException(Errno.ENOENT, "no key '" + key + "' in " + space);
            if (!e.resident()) {
                e = pageIn(s, e);
                enforceBudget(s, Set.of(key));
            } else if (e.working()) {
                s.lru.get(key); // touch: most recently used
            }
            return view(s, e);
        }
    }

    /**
     * What a get or recall returns: the stored value itself, no copy. Its JSON is read-only
     * ({@link FrozenJson}): the kernel only serializes it into the syscall's result, and any other
     * caller that tries to change it gets UnsupportedOperationException instead of changing the
     * store (and a fork that shares it). A blob's bytes are handed over as stored, as a put takes
     * them: byte arrays cannot be made read-only, and the SPI's callers are the kernel and
     * trusted bundles (mem.admin), which do not write into a value they read.
     */
    private static MemEntry view(Space s, Entry e) {
        return new MemEntry(e.info(s.name), e.json(), e.blob());
    }

    @Override
    public CompletionStage<EntryInfo> put(MemCaller caller, String space, String key, MemWrite value)
            throws SyscallException {
        MemKey.check(key);
        Encoded v = encode(value);
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue; // removed since the look-up: look again
                EntryInfo before = madeBefore(s, caller);
                if (before != null) return CompletableFuture.completedFuture(before);
                Entry old = s.tree.get(key);
                Entry now = entry(key, old == null ? 1 : old.version() + 1, v, caller.pid());
                return write(s, old, now, v.bytes(), now.info(s.name), caller.callId());
            }
        }
    }

    /**
     * Writes to persistent spaces by the process call that made them ({@code MemCaller.callId()}),
     * the newest {@value #CALLS_KEPT}: a call made again after a crash (the kernel never learned
     * its result) is answered with the entry it wrote, not written twice. Filled from the log too.
     */
    private final org.agentos.kernel.api.syscall.CallsMade<EntryInfo> byCall = new org.agentos.kernel.api.syscall.CallsMade<>(CALLS_KEPT);

    static final int CALLS_KEPT = 100_000;

    private EntryInfo madeBefore(Space s, MemCaller caller) {
        return s.persistent ? byCall.get(caller.callId()) : null;
    }

    @Override
    public CompletionStage<Boolean> delete(MemCaller caller, String space, String key) throws SyscallException {
        MemKey.check(key);
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue;
                Entry old = s.tree.get(key);
                if (old == null) return CompletableFuture.completedFuture(false);
                checkLog(s);
                ObjectNode rec = null;
                if (s.persistent) rec = JSON.createObjectNode().put("op", "del").put("space", s.name).put("key", key);
                return logged(rec, () -> apply(s, old, null, key, false), true);
            }
        }
    }

    @Override
    public CompletionStage<CasOutcome> cas(MemCaller caller, String space, String key, long expectedVersion,
            MemWrite value) throws SyscallException {
        MemKey.check(key);
        if (expectedVersion < 0) throw new SyscallException(Errno.EINVAL, "expected version must be >= 0");
        Encoded v = encode(value);
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue;
                Entry old = s.tree.get(key);
                EntryInfo before = madeBefore(s, caller);
                if (before != null) return CompletableFuture.completedFuture(new CasOutcome(true, before));
                long current = old == null ? 0 : old.version();
                if (current != expectedVersion) {
                    return CompletableFuture.completedFuture(new CasOutcome(false, old == null ? null : old.info(s.name)));
                }
                Entry now = entry(key, current + 1, v, caller.pid());
                return write(s, old, now, v.bytes(), new CasOutcome(true, now.info(s.name)), caller.callId());
            }
        }
    }

    @Override
    public EntryPage list(MemCaller caller, String space, String prefix, String after, int limit)
            throws SyscallException {
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        String p = prefix == null ? "" : prefix;
        int max = Math.min(limit, MAX_LIST);
        Space s = readable(caller, space);
        PageTree<Entry> tree = s.tree; // one version: a list reads no lock
        List<EntryInfo> out = new ArrayList<>();
        String[] next = {null};
        java.util.function.BiPredicate<String, Entry> visit = (k, e) -> {
            if (!k.startsWith(p)) return false;
            if (out.size() == max) {
                next[0] = out.get(max - 1).key();
                return false;
            }
            out.add(e.info(s.name));
            return true;
        };
        if (after != null && after.compareTo(p) >= 0) tree.forEachAfter(after, visit);
        else tree.forEachFrom(p, visit);
        return new EntryPage(List.copyOf(out), next[0]);
    }

    @Override
    public List<EntryInfo> search(MemCaller caller, String space, String query, int limit) throws SyscallException {
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        List<String> words = words(query);
        if (words.isEmpty()) throw new SyscallException(Errno.EINVAL, "the query has no words");
        record Hit(EntryInfo info, int score) {}
        List<Hit> hits = new ArrayList<>();
        Space s = readable(caller, space);
        s.tree.forEach((k, e) -> { // one version of the tree, no lock
            // a paged-out entry is matched by its key and summary: its text is in the archive
            String keyText = k.toLowerCase(Locale.ROOT);
            String body = ((e.json() != null ? e.json().toString() : "") + " "
                    + (e.summary() == null ? "" : e.summary())).toLowerCase(Locale.ROOT);
            int score = 0;
            for (String w : words) {
                int n = 2 * count(keyText, w) + count(body, w);
                if (n == 0) return true;
                score += n;
            }
            hits.add(new Hit(e.info(s.name), score));
            return true;
        });
        hits.sort(Comparator.comparingInt(Hit::score).reversed().thenComparing(h -> h.info().key()));
        return hits.stream().limit(limit).map(Hit::info).toList();
    }

    private static List<String> words(String query) {
        List<String> out = new ArrayList<>();
        if (query == null) return out;
        for (String w : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length())) n++;
        return n;
    }

    // ------------------------------------------------------------------ spaces

    @Override
    public SpaceInfo share(MemCaller caller, String name, SharedSpec spec) throws SyscallException {
        String space = "shared/" + name;
        SpaceKind.parse(space);
        caller.require("mem:share:" + name, "create " + space);
        CompletionStage<Boolean> durable;
        SpaceInfo info;
        synchronized (this) {
            if (spaces.containsKey(space)) throw new SyscallException(Errno.EEXIST, space + " exists");
            if (spec.persistent() && log == null) {
                throw new SyscallException(Errno.EINVAL, "persistent spaces need a data directory (memory is memory-only here)");
            }
            if (spec.persistent()) checkLog(null);
            Space s = new Space(space, caller.owner(), spec.persistent(), spec.quotaBytes(), 0, spec.members());
            durable = logged(s.persistent ? spaceRecord(s) : null, () -> addSpace(s), true);
            info = s.info();
        }
        awaitDurable(durable, "creating " + space);
        return info;
    }

    @Override
    public List<String> deleteSpace(MemCaller caller, String space) throws SyscallException {
        if (SpaceKind.parse(space) != SpaceKind.SHARED) {
            throw new SyscallException(Errno.EINVAL, "only shared spaces are deleted; " + space + " is not one");
        }
        CompletionStage<Boolean> durable;
        List<String> freed = new ArrayList<>();
        synchronized (this) {
            Space s = spaces.get(space);
            if (s == null) throw new SyscallException(Errno.ENOENT, "no space " + space);
            if (!caller.owner().equals(s.owner)) caller.require("mem:admin", "delete " + space + " (owned by " + s.owner + ")");
            if (s.persistent) checkLog(s);
            synchronized (s) {
                for (String l : s.locks.keySet()) freed.add(s.name + "#" + l);
                for (String sem : s.semaphores.keySet()) freed.add(s.name + "#" + sem);
            }
            durable = dropSpace(s);
        }
        awaitDurable(durable, "deleting " + space);
        return freed;
    }

    @Override
    public List<SpaceInfo> spaces() {
        return spaces.values().stream().map(MemoryStore::info).toList();
    }

    @Override
    public Optional<SpaceInfo> space(String space) {
        Space s = spaces.get(space);
        return s == null ? Optional.empty() : Optional.of(info(s));
    }

    private static SpaceInfo info(Space s) {
        synchronized (s) {
            return s.info();
        }
    }

    @Override
    public List<MemUsage> usage() {
        Map<String, long[]> per = new TreeMap<>();
        for (Space s : spaces.values()) {
            long[] a = per.computeIfAbsent(s.owner, o -> new long[2]);
            a[0]++;
            synchronized (s) {
                a[1] += s.logicalBytes;
            }
        }
        List<MemUsage> out = new ArrayList<>();
        per.forEach((o, a) -> out.add(new MemUsage(o, a[0], a[1], settings.ownerQuota(o))));
        return out;
    }

    // ------------------------------------------------------------------ processes

    @Override
    public synchronized void processStarted(long pid, String owner) {
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive");
        if (!spaces.containsKey(SpaceKind.userSpace(pid))) createUserSpace(pid, owner);
    }

    @Override
    public void fork(long parent, long child, String childOwner) throws SyscallException {
        if (parent <= 0 || child <= 0 || parent == child) {
            throw new SyscallException(Errno.EINVAL, "fork needs two different positive pids");
        }
        synchronized (this) {
            String cname = SpaceKind.userSpace(child);
            Space existing = spaces.get(cname);
            Space p = spaces.get(SpaceKind.userSpace(parent));
            // two spaces' locks at once: only under the store's lock, so no other thread holds two
            synchronized (existing != null ? existing : new Object()) {
                synchronized (p != null ? p : new Object()) {
                    forkLocked(p, existing, cname, child, childOwner);
                }
            }
        }
    }

    private void forkLocked(Space p, Space existing, String cname, long child, String childOwner) throws SyscallException {
        if (existing != null && !existing.tree.isEmpty()) {
            throw new SyscallException(Errno.EEXIST, cname + " exists and is not empty");
        }
        long size = p == null ? 0 : p.logicalBytes;
        boolean persistent = userSpacesPersistent();
        if (persistent) checkLog(null);
        // the copy counts for the child's owner, less what its old space (dropped below) held
        charge(childOwner, size, existing != null && existing.owner.equals(childOwner) ? existing.logicalBytes : 0,
                used -> "owner quota of " + childOwner + ": the fork's copy of " + size + " bytes on top of " + used
                        + " used exceeds the limit of " + settings.ownerQuota(childOwner));
        if (settings.processQuotaBytes() > 0 && size > settings.processQuotaBytes()) {
            ownerBytes(childOwner).addAndGet(-size);
            throw new SyscallException(Errno.EQUOTA, "process quota: the fork's copy of " + size
                    + " bytes exceeds the limit of " + settings.processQuotaBytes() + " per user space");
        }
        if (existing != null) dropSpace(existing);
        Space c = new Space(cname, childOwner, persistent, settings.processQuotaBytes(),
                p == null ? budgets.getOrDefault(child, settings.defaultTokenBudget()) : p.tokenBudget);
        budgets.put(child, c.tokenBudget);
        List<ObjectNode> records = new ArrayList<>();
        if (persistent) {
            if (p != null && p.persistent) {
                records.add(JSON.createObjectNode().put("op", "fork").put("parent", p.name).put("child", c.name)
                        .put("owner", childOwner).put("quota", c.quotaBytes).put("budget", c.tokenBudget));
            } else {
                records.add(spaceRecord(c));
                if (p != null) {
                    p.tree.forEach((k, e) -> {
                        records.add(putRecord(c.name, e, valueBytes(e)));
                        return true;
                    });
                }
            }
        }
        // the record goes to the log under the parent's lock (after every write the copy has) and
        // the child is published after it (before any write of its own)
        logged(records, () -> {
            if (p != null) shareTree(p, c);
            addSpace(c);
        }, true);
    }

    /**
     * The O(1) part of a fork: the child takes the parent's tree root; sizes and the window's order
     * are copied (not the owner's bytes: the caller charges them). Both spaces' locks are held, or
     * the child is not published yet.
     */
    private void shareTree(Space p, Space c) {
        c.tree = p.tree;
        c.logicalBytes = p.logicalBytes;
        c.residentBytes = p.residentBytes;
        c.residentTokens = p.residentTokens;
        c.lru.putAll(p.lru); // working entries only: bounded by the token budget, not by the space's size
        c.pagedOut.addAll(p.pagedOut);
        long at = stamp.incrementAndGet();
        p.forkStamp = at;
        c.forkStamp = at;
        // the parent's pages-out are under its lock, so every document its tree can name is <= cut
        long cut = archiveSeq.get();
        p.lastForkedAt = cut;
        c.inheritedUpTo = cut;
        c.lineage = p.childLineage(c.tag, cut);
        c.archived = p.archived;
        p.sharedBytes = p.logicalBytes;
        c.sharedBytes = c.logicalBytes;
        p.relatives.add(c.name);
        c.relatives.add(p.name);
    }

    @Override
    public List<String> processExited(long pid) {
        List<String> freed = new ArrayList<>();
        synchronized (this) {
            for (Space s : spaces.values()) {
                synchronized (s) {
                    s.locks.entrySet().removeIf(l -> {
                        if (l.getValue() != pid) return false;
                        freed.add(s.name + "#" + l.getKey());
                        return true;
                    });
                    s.semaphores.forEach((name, sem) -> {
                        Integer held = sem.held.remove(pid);
                        if (held != null) {
                            sem.available += held;
                            freed.add(s.name + "#" + name);
                        }
                    });
                }
            }
            Space own = spaces.get(SpaceKind.userSpace(pid));
            if (own != null && !settings.keepUserSpacesOnExit()) {
                // its objects go with it: whoever waits on them must be woken to learn so
                synchronized (own) {
                    for (String l : own.locks.keySet()) addOnce(freed, own.name + "#" + l);
                    for (String sem : own.semaphores.keySet()) addOnce(freed, own.name + "#" + sem);
                }
                dropSpace(own);
                budgets.remove(pid);
            }
        }
        return freed;
    }

    private static void addOnce(List<String> list, String s) {
        if (!list.contains(s)) list.add(s);
    }

    @Override
    public synchronized void setTokenBudget(long pid, long tokens) {
        if (tokens < 0) throw new IllegalArgumentException("a token budget must be >= 0");
        budgets.put(pid, tokens);
        Space s = spaces.get(SpaceKind.userSpace(pid));
        if (s != null) {
            synchronized (s) {
                s.tokenBudget = tokens;
                enforceBudget(s, Set.of());
            }
        }
    }

    @Override
    public List<MemEntry> recall(MemCaller caller, String query, int limit) throws SyscallException {
        if (caller.pid() <= 0) throw new SyscallException(Errno.EINVAL, "recall searches a process's own context window");
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        if (words(query).isEmpty()) throw new SyscallException(Errno.EINVAL, "the query has no words");
        List<MemEntry> out = new ArrayList<>();
        Space s = spaces.get(SpaceKind.userSpace(caller.pid()));
        if (s == null) return out;
        synchronized (s) {
            if (s.dropped || s.pagedOut.isEmpty()) return out;
            List<Archive.Hit> hits;
            try {
                archive.purge(this::compacting);
                // one ranked query filtered by the space's lineage, not by a list of its ids;
                // a hit counts if the key is still paged out with that very document
                PageTree<Entry> tree = s.tree;
                hits = archive.search(query, s.lineage, limit, (id, key) -> {
                    Entry e = tree.get(key);
                    return e != null && !e.resident() && e.archiveId() == id;
                });
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, "the archive cannot be searched: " + e.getMessage(), e);
            }
            Set<String> recalled = new HashSet<>();
            for (Archive.Hit h : hits) recalled.add(h.key());
            for (Archive.Hit h : hits) out.add(view(s, pageIn(s, s.tree.get(h.key()), h.value())));
            enforceBudget(s, recalled);
            return out;
        }
    }

    // ------------------------------------------------------------------ synchronization

    @Override
    public boolean tryLock(MemCaller caller, String space, String name) throws SyscallException {
        MemKey.check(name);
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue; // removed since the look-up: look again
                Long holder = s.locks.get(name);
                if (holder == null) {
                    s.locks.put(name, caller.pid());
                    return true;
                }
                return holder == caller.pid();
            }
        }
    }

    @Override
    public void unlock(MemCaller caller, String space, String name) throws SyscallException {
        MemKey.check(name);
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue; // removed since the look-up: look again
                Long holder = s.locks.get(name);
                if (holder == null || holder != caller.pid()) {
                    throw new SyscallException(Errno.EPERM, "lock " + space + "#" + name + " is "
                            + (holder == null ? "not held" : "held by pid " + holder) + ", not by " + caller);
                }
                s.locks.remove(name);
                return;
            }
        }
    }

    @Override
    public boolean trySemAcquire(MemCaller caller, String space, String name, int permits, int initial)
            throws SyscallException {
        MemKey.check(name);
        if (permits <= 0) throw new SyscallException(Errno.EINVAL, "permits must be positive");
        if (initial < 0) throw new SyscallException(Errno.EINVAL, "initial permits must be >= 0");
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue; // removed since the look-up: look again
                Space.Semaphore sem = s.semaphores.computeIfAbsent(name, n -> new Space.Semaphore(initial));
                int total = sem.total();
                if (permits > total) {
                    throw new SyscallException(Errno.EINVAL, "semaphore " + space + "#" + name + " has " + total
                            + " permits in all; " + permits + " can never be free");
                }
                if (sem.available < permits) return false;
                sem.available -= permits;
                sem.held.merge(caller.pid(), permits, Integer::sum);
                return true;
            }
        }
    }

    @Override
    public void semRelease(MemCaller caller, String space, String name, int permits) throws SyscallException {
        MemKey.check(name);
        if (permits <= 0) throw new SyscallException(Errno.EINVAL, "permits must be positive");
        while (true) {
            Space s = writable(caller, space);
            synchronized (s) {
                if (s.dropped) continue; // removed since the look-up: look again
                Space.Semaphore sem = s.semaphores.get(name);
                if (sem == null) throw new SyscallException(Errno.ENOENT, "no semaphore " + space + "#" + name);
                int held = sem.held.getOrDefault(caller.pid(), 0);
                if (permits > held) {
                    throw new SyscallException(Errno.EINVAL, caller + " holds " + held + " permits of " + space + "#" + name
                            + ", cannot release " + permits);
                }
                if (held == permits) sem.held.remove(caller.pid());
                else sem.held.put(caller.pid(), held - permits);
                sem.available += permits;
                return;
            }
        }
    }

    // ------------------------------------------------------------------ memory pressure

    @Override
    public synchronized long reclaim(long bytes, List<Long> victims) {
        long freed = 0;
        for (long pid : victims) {
            Space s = spaces.get(SpaceKind.userSpace(pid));
            if (s == null) continue;
            synchronized (s) {
                while (freed < bytes && !s.lru.isEmpty()) {
                    long f = pageOut(s, s.lru.keySet().iterator().next());
                    if (f < 0) break;
                    freed += f;
                }
            }
            if (freed >= bytes) break;
        }
        return freed;
    }

    // ------------------------------------------------------------------ live swap

    @Override
    public synchronized MemoryState exportState() {
        List<MemoryState.Space> out = new ArrayList<>();
        for (Space s : spaces.values()) {
            synchronized (s) {
                List<MemEntry> entries = new ArrayList<>(s.tree.size());
                s.tree.forEach((k, e) -> {
                    Entry full = e.resident() ? e : loadArchived(e);
                    // the stored documents are frozen (read-only), so they are handed over as they are
                    entries.add(new MemEntry(e.info(s.name), full.json(), full.blob()));
                    return true;
                });
                List<MemoryState.Semaphore> sems = new ArrayList<>();
                s.semaphores.forEach((n, sem) -> sems.add(new MemoryState.Semaphore(n, sem.available, Map.copyOf(sem.held))));
                out.add(new MemoryState.Space(s.name, s.owner, s.persistent, s.quotaBytes,
                        s.kind == SpaceKind.USER ? s.tokenBudget : 0, entries, Map.copyOf(s.locks), sems, s.members));
            }
        }
        return new MemoryState(MemoryState.VERSION, out);
    }

    @Override
    public void importState(MemoryState state) {
        if (state.version() != MemoryState.VERSION) {
            throw new IllegalArgumentException("memory state version " + state.version() + " is not "
                    + MemoryState.VERSION + ", the one this manager reads");
        }
        for (MemoryState.Space s : state.spaces()) { // refuse before changing anything
            SpaceKind.of(s.name());
            for (MemEntry me : s.entries()) {
                if (me.blob() == null && me.json() == null) {
                    throw new IllegalArgumentException("entry " + me.info().key() + " of " + s.name() + " has no value");
                }
            }
        }
        CompletionStage<Boolean> last = CompletableFuture.completedFuture(true);
        synchronized (this) {
            for (Space s : new ArrayList<>(spaces.values())) {
                CompletionStage<Boolean> d = dropSpace(s);
                if (s.persistent) last = d;
            }
            try {
                archive.clear();
            } catch (IOException e) {
                throw new UncheckedIOException("the archive cannot be cleared", e);
            }
            budgets.clear();
            ownerBytes.clear(); // the dropped spaces gave their bytes back; what remains is a zero per owner
            boolean hasSystem = false;
            for (MemoryState.Space in : state.spaces()) {
                boolean persistent = in.persistent() && log != null;
                if (in.persistent() && log == null) {
                    LOG.warn("{} was persistent; it is memory-only here (no data directory)", in.name());
                }
                Space s = new Space(in.name(), in.owner(), persistent, in.quotaBytes(), in.tokenBudget(), in.members());
                hasSystem |= s.kind == SpaceKind.SYSTEM;
                if (s.kind == SpaceKind.USER) budgets.put(Long.parseLong(s.name.substring(5)), s.tokenBudget);
                // the kernel makes no memory calls meanwhile (quiesced), so the space is filled once published
                CompletionStage<Boolean> created = logged(persistent ? spaceRecord(s) : null, () -> addSpace(s), true);
                if (persistent) last = created;
                synchronized (s) {
                    List<String> archived = new ArrayList<>();
                    for (MemEntry me : in.entries()) {
                        EntryInfo i = me.info();
                        byte[] bytes = me.blob() != null ? me.blob() : toBytes(me.json());
                        Entry e = new Entry(i.key(), i.version(), me.json() == null ? null : FrozenJson.freeze(me.json()), me.blob(),
                                me.blob() != null, bytes.length, i.working(), i.working() ? i.tokens() : 0, i.working() ? i.summary() : null, true, 0,
                                i.modifiedMillis(), i.modifiedBy(), stamp.incrementAndGet());
                        CompletionStage<Boolean> put = logged(persistent ? putRecord(s.name, e, bytes) : null,
                                () -> apply(s, null, e, e.key(), false), true);
                        if (persistent) last = put;
                        if (!i.resident() && i.working()) archived.add(i.key());
                    }
                    for (String k : archived) pageOut(s, k);
                    s.locks.putAll(in.locks());
                    for (MemoryState.Semaphore sem : in.semaphores()) {
                        Space.Semaphore mine = new Space.Semaphore(sem.available());
                        mine.held.putAll(sem.held());
                        s.semaphores.put(sem.name(), mine);
                    }
                    enforceBudget(s, Set.of());
                }
            }
            if (!hasSystem) addSpace(new Space("system", "root", log != null, 0, 0));
        }
        try {
            awaitDurable(last, "importing the memory state");
        } catch (SyscallException e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    // ------------------------------------------------------------------ internals

    /** A value serialized and measured, before the lock is taken. */
    private record Encoded(JsonNode json, byte[] blob, byte[] bytes, boolean working, int tokens, String summary) {}

    private static Encoded encode(MemWrite w) throws SyscallException {
        if (w == null) throw new SyscallException(Errno.EINVAL, "a value is required");
        byte[] bytes = w.blob() != null ? w.blob() : toBytes(w.json());
        if (bytes.length > MAX_VALUE) {
            throw new SyscallException(Errno.EINVAL, "a value of " + bytes.length + " bytes is larger than " + MAX_VALUE);
        }
        if (w.summary() != null && w.summary().length() > MAX_SUMMARY) {
            throw new SyscallException(Errno.EINVAL, "a summary is at most " + MAX_SUMMARY + " characters");
        }
        int tokens = 0;
        if (w.working()) {
            // about four characters per token, the usual estimate for English text and JSON
            long chars = w.blob() != null ? bytes.length : new String(bytes, StandardCharsets.UTF_8).length();
            tokens = w.tokens() > 0 ? w.tokens() : (int) Math.max(1, (chars + 3) / 4);
        }
        // read-only from here on: the caller keeps its own tree, the store shares this one freely
        return new Encoded(w.json() == null ? null : FrozenJson.freeze(w.json()), w.blob(), bytes, w.working(), tokens,
                w.working() ? w.summary() : null);
    }

    private static byte[] toBytes(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Entry entry(String key, long version, Encoded v, long pid) {
        return new Entry(key, version, v.json(), v.blob(), v.blob() != null, v.bytes().length, v.working(), v.tokens(),
                v.summary(), true, 0, clock.getAsLong(), pid, stamp.incrementAndGet());
    }

    /**
     * Checks quotas, applies a write and logs it, under the space's lock: the stage completes once
     * it is durable.
     */
    private <T> CompletionStage<T> write(Space s, Entry old, Entry now, byte[] bytes, T result) throws SyscallException {
        return write(s, old, now, bytes, result, null);
    }

    /** As above, by process call {@code callId} (null: none), which the log record names for {@link #byCall}. */
    private <T> CompletionStage<T> write(Space s, Entry old, Entry now, byte[] bytes, T result, String callId)
            throws SyscallException {
        checkLog(s);
        checkSpaceQuota(s, old, now);
        long delta = now.charged() - (old == null ? 0 : old.charged()); // keys and overhead count, not values only
        if (s.kind != SpaceKind.SYSTEM && delta > 0) {
            long limit = settings.ownerQuota(s.owner);
            charge(s.owner, delta, 0, used -> "owner quota of " + s.owner + ": " + used + " bytes used + " + delta
                    + " more exceeds the limit of " + limit);
        } else if (delta != 0) {
            ownerBytes(s.owner).addAndGet(delta);
        }
        ObjectNode record = s.persistent ? putRecord(s.name, now, bytes) : null;
        if (record != null && callId != null) record.put("call", callId);
        CompletionStage<T> done = logged(record, () -> apply(s, old, now, now.key(), true), result);
        if (record != null && callId != null) {
            EntryInfo written = now.info(s.name);
            done = done.whenComplete((r, failed) -> {
                if (failed == null) byCall.put(callId, written);
            });
        }
        if (now.working()) enforceBudget(s, Set.of(now.key()));
        return done;
    }

    /**
     * Adds {@code delta} bytes to what {@code owner} holds, atomically against its other spaces'
     * writes, or refuses with EQUOTA when that passes its quota; {@code allowance} is already
     * counted and about to be given back (a fork's old child space).
     */
    private void charge(String owner, long delta, long allowance, java.util.function.LongFunction<String> refusal)
            throws SyscallException {
        long limit = settings.ownerQuota(owner);
        AtomicLong bytes = ownerBytes(owner);
        while (true) {
            long used = bytes.get();
            if (limit > 0 && delta > 0 && used - allowance + delta > limit) {
                throw new SyscallException(Errno.EQUOTA, refusal.apply(used - allowance));
            }
            if (bytes.compareAndSet(used, used + delta)) return;
        }
    }

    private AtomicLong ownerBytes(String owner) {
        AtomicLong a = ownerBytes.get(owner);
        return a != null ? a : ownerBytes.computeIfAbsent(owner, o -> new AtomicLong());
    }

    /**
     * Replaces {@code old} by {@code now} in the tree, keeping the sizes in step; the owner's bytes
     * too unless {@code charged} already. A document of the archive that only this space could
     * reach and that no entry names any more is deleted.
     */
    private void apply(Space s, Entry old, Entry now, String key, boolean charged) {
        s.tree = now == null ? s.tree.remove(key) : s.tree.put(key, now);
        s.account(old, now);
        if (!charged) {
            long delta = (now == null ? 0 : now.charged()) - (old == null ? 0 : old.charged());
            if (delta != 0) ownerBytes(s.owner).addAndGet(delta);
        }
        if (old != null && old.archiveId() != 0 && (now == null || now.archiveId() != old.archiveId())
                && s.ownsAlone(old.archiveId())) {
            archive.deleteLater(old.archiveId());
            if (archive.staleCount() > 1024) purgeArchive();
        }
    }

    private void purgeArchive() {
        try {
            archive.purge(this::compacting);
        } catch (IOException e) {
            LOG.warn("deleting stale documents of the memory archive: {}", e.toString());
        }
    }

    /**
     * Makes a change and queues its log records ({@code records} may be empty, or null: nothing
     * to log) as one step against a compaction's snapshot; completes once the last is durable.
     */
    private <T> CompletionStage<T> logged(List<ObjectNode> records, Runnable change, T result) {
        if (records == null || records.isEmpty() || log == null) {
            change.run();
            return CompletableFuture.completedFuture(result);
        }
        CompletionStage<T> done;
        logOrder.readLock().lock();
        try {
            change.run();
            done = null;
            for (ObjectNode r : records) done = append(r, result);
        } finally {
            logOrder.readLock().unlock();
        }
        maybeCompact();
        return done;
    }

    private <T> CompletionStage<T> logged(ObjectNode record, Runnable change, T result) {
        return logged(record == null ? null : List.of(record), change, result);
    }

    private <T> CompletionStage<T> append(ObjectNode record, T result) {
        CompletableFuture<T> done = new CompletableFuture<>();
        log.append(toBytes(record), failure -> {
            if (failure == null) done.complete(result);
            else done.completeExceptionally(new SyscallException(Errno.EIO, "the memory log cannot be written: " + failure, failure));
        });
        return done;
    }

    /** A persistent write is refused at once while the log's last round failed (a full disk); a round that succeeds ends it. */
    private void checkLog(Space s) throws SyscallException {
        if ((s == null || s.persistent) && log != null && log.failure() != null) {
            throw new SyscallException(Errno.EIO, "the memory log cannot be written: " + log.failure().getMessage());
        }
    }

    private static void awaitDurable(CompletionStage<?> durable, String what) throws SyscallException {
        try {
            durable.toCompletableFuture().get(DURABLE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while " + what);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyscallException se) throw se;
            throw new SyscallException(Errno.EIO, what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new SyscallException(Errno.EIO, what + ": the memory log did not commit in " + DURABLE_WAIT_SECONDS + " s");
        }
    }

    /** Compacts while running once the log is well beyond the live data (checked every 256 writes). */
    private void maybeCompact() {
        if (log.compacting() || log.size() < settings.compactMinBytes() || writesSinceCompactCheck.incrementAndGet() < 256) return;
        // no persistent change is half made while the snapshot is taken (they hold the read lock)
        logOrder.writeLock().lock();
        try {
            if (log.compacting() || writesSinceCompactCheck.get() < 256) return; // another thread did it
            writesSinceCompactCheck.set(0);
            long live = 0;
            for (Space s : spaces.values()) if (s.persistent) live += s.logicalBytes + 128L * (s.tree.size() + 1);
            if (log.size() > 2 * live) log.compact(snapshot());
        } finally {
            logOrder.writeLock().unlock();
        }
    }

    /** What the persistent spaces are now, to write as a compact log: taking it is O(spaces), the trees are immutable. */
    private Journal.Snapshot snapshot() {
        record Snap(ObjectNode space, String name, PageTree<Entry> tree) {}
        List<Snap> snaps = new ArrayList<>();
        for (Space s : spaces.values()) if (s.persistent) snaps.add(new Snap(spaceRecord(s), s.name, s.tree));
        return out -> {
            for (Snap sn : snaps) {
                out.add(toBytes(sn.space()));
                IOException[] failed = {null};
                sn.tree().forEach((k, e) -> {
                    try {
                        out.add(toBytes(putRecord(sn.name(), e, valueBytes(e))));
                        return true;
                    } catch (IOException ex) {
                        failed[0] = ex;
                        return false;
                    }
                });
                if (failed[0] != null) throw failed[0];
            }
        };
    }

    private static ObjectNode spaceRecord(Space s) {
        ObjectNode r = JSON.createObjectNode().put("op", "space").put("space", s.name).put("owner", s.owner)
                .put("quota", s.quotaBytes).put("budget", s.tokenBudget);
        if (!s.members.isEmpty()) s.members.forEach(r.putArray("members")::add);
        return r;
    }

    /** The members a space record lists; a record a person edited into nonsense admits nobody. */
    private static Set<String> members(ObjectNode r) {
        try {
            return OwnerNames.members(r.path("members"));
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: ignoring its members ({})", r.path("space").asText(), e.getMessage());
            return Set.of();
        }
    }

    private static ObjectNode putRecord(String space, Entry e, byte[] value) {
        ObjectNode r = JSON.createObjectNode().put("op", "put").put("space", space).put("key", e.key())
                .put("v", e.version()).put("m", e.modifiedMillis()).put("by", e.modifiedBy()).put("n", e.bytes());
        if (e.working()) {
            r.put("w", true).put("t", e.tokens());
            if (e.summary() != null) r.put("s", e.summary());
        }
        if (e.isBlob()) r.put("blob", value);
        else r.putRawValue("json", new RawValue(new String(value, StandardCharsets.UTF_8)));
        return r;
    }

    /** The value's bytes, from the archive when paged out (never dropped: the archive keeps every paged-out version). */
    private byte[] valueBytes(Entry e) {
        if (e.resident()) return e.isBlob() ? e.blob() : toBytes(e.json());
        try {
            Archive.Archived a = archive.load(e.archiveId());
            if (a == null) throw new IllegalStateException("archived value of " + e.key() + " is missing");
            return a.value();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private Entry loadArchived(Entry e) {
        return archived(e, valueBytes(e));
    }

    private static Entry archived(Entry e, byte[] v) {
        try {
            return e.isBlob() ? e.pagedIn(null, v) : e.pagedIn(FrozenJson.freeze(JSON.readTree(v)), null);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void replay(ObjectNode r) {
        String op = r.path("op").asText();
        String name = r.path("space").asText();
        switch (op) {
            case "space" -> {
                Space old = spaces.get(name);
                if (old != null) dropSpace(old);
                addSpace(new Space(name, r.path("owner").asText(), true, r.path("quota").asLong(), r.path("budget").asLong(),
                        members(r)));
            }
            case "drop" -> {
                Space old = spaces.get(name);
                if (old != null) dropSpace(old);
            }
            case "put" -> {
                Space s = spaces.get(name);
                if (s == null) {
                    LOG.warn("memory log: a put to {} which it never created; skipped", name);
                    return;
                }
                String key = r.path("key").asText();
                boolean blob = r.has("blob");
                byte[] b = null;
                try {
                    if (blob) b = r.get("blob").binaryValue();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                Entry e = new Entry(key, r.path("v").asLong(), blob ? null : FrozenJson.freeze(r.get("json")), b, blob,
                        r.path("n").asLong(), r.path("w").asBoolean(), r.path("t").asInt(),
                        r.hasNonNull("s") ? r.get("s").asText() : null, true, 0, r.path("m").asLong(), r.path("by").asLong(),
                        stamp.incrementAndGet());
                apply(s, s.tree.get(key), e, key, false);
                if (r.hasNonNull("call")) byCall.put(r.get("call").asText(), e.info(name));
            }
            case "del" -> {
                Space s = spaces.get(name);
                String key = r.path("key").asText();
                if (s != null && s.tree.get(key) != null) apply(s, s.tree.get(key), null, key, false);
            }
            case "fork" -> {
                String child = r.path("child").asText();
                Space old = spaces.get(child);
                if (old != null) dropSpace(old);
                Space c = addSpace(new Space(child, r.path("owner").asText(), true, r.path("quota").asLong(),
                        r.path("budget").asLong()));
                Space p = spaces.get(r.path("parent").asText());
                if (p != null) {
                    shareTree(p, c);
                    ownerBytes(c.owner).addAndGet(c.logicalBytes);
                }
            }
            default -> LOG.warn("memory log: unknown record '{}' skipped", op);
        }
    }

    private Space addSpace(Space s) {
        spaces.put(s.name, s);
        return s;
    }

    private boolean userSpacesPersistent() {
        return log != null && settings.userSpacesPersistent();
    }

    /** Under the store's lock. */
    private Space createUserSpace(long pid, String owner) {
        Space s = new Space(SpaceKind.userSpace(pid), owner, userSpacesPersistent(),
                settings.processQuotaBytes(), budgets.getOrDefault(pid, settings.defaultTokenBudget()));
        budgets.putIfAbsent(pid, s.tokenBudget);
        logged(s.persistent ? spaceRecord(s) : null, () -> addSpace(s), true);
        return s;
    }

    /**
     * Removes a space with what it holds (from disk too when persistent), under the store's lock;
     * the archive documents only it could reach go too.
     */
    private CompletionStage<Boolean> dropSpace(Space s) {
        CompletionStage<Boolean> done;
        List<String> relatives;
        synchronized (s) {
            ObjectNode rec = s.persistent && log != null ? JSON.createObjectNode().put("op", "drop").put("space", s.name) : null;
            done = logged(rec, () -> {
                spaces.remove(s.name, s);
                s.dropped = true;
            }, true);
            if (s.logicalBytes != 0) ownerBytes(s.owner).addAndGet(-s.logicalBytes);
            if (s.archived) archive.deleteLater(s.tag, Math.max(s.lastForkedAt, s.inheritedUpTo));
            relatives = List.copyOf(s.relatives);
        }
        for (String r : relatives) {
            Space rel = spaces.get(r);
            if (rel == null) continue;
            synchronized (rel) {
                rel.relatives.remove(s.name);
                if (rel.relatives.isEmpty()) rel.sharedBytes = 0;
            }
        }
        return done;
    }

    /** Pages out least recently used working entries until the window fits its budget, sparing {@code keep}. */
    private void enforceBudget(Space s, Set<String> keep) {
        if (s.kind != SpaceKind.USER || s.tokenBudget <= 0) return;
        while (s.residentTokens > s.tokenBudget) {
            String victim = null;
            for (String k : s.lru.keySet()) {
                if (!keep.contains(k)) {
                    victim = k;
                    break;
                }
            }
            // what was just written or recalled stays resident even when it alone exceeds the budget
            if (victim == null || pageOut(s, victim) < 0) return;
        }
    }

    /** Moves a working entry's value to the archive; the bytes freed, or -1 when the archive failed. */
    private long pageOut(Space s, String key) {
        Entry e = s.tree.get(key);
        if (e == null || !e.resident() || !e.working()) return 0;
        long id = e.archiveId();
        try {
            if (id == 0) {
                id = archiveSeq.incrementAndGet();
                String text = e.key() + " " + (e.summary() == null ? "" : e.summary()) + " "
                        + (e.json() != null ? e.json().toString() : "");
                archive.store(id, s.tag, e.key(), text, valueBytes(e), e.isBlob());
                s.archived = true;
            }
        } catch (IOException ex) {
            LOG.error("paging out {} of {}: the archive cannot be written; it stays resident", key, s.name, ex);
            return -1;
        }
        Entry out = e.pagedOut(id);
        s.tree = s.tree.put(key, out);
        s.account(e, out);
        return e.bytes();
    }

    /** Brings a paged-out entry's value back from the archive. */
    private Entry pageIn(Space s, Entry e) throws SyscallException {
        return pageIn(s, e, null);
    }

    /** Brings a paged-out entry's value back: {@code found} when the archive already gave it, else a load. */
    private Entry pageIn(Space s, Entry e, Archive.Archived found) throws SyscallException {
        Entry in;
        try {
            in = found == null ? loadArchived(e) : archived(e, found.value());
        } catch (RuntimeException ex) {
            throw new SyscallException(Errno.EIO, "paging in " + e.key() + " of " + s.name + ": " + ex.getMessage(), ex);
        }
        s.tree = s.tree.put(e.key(), in);
        s.account(e, in);
        return in;
    }

    // ------------------------------------------------------------------ checks

    /*
     * The access checks run on every call, most of them lock-free gets: a space that exists
     * answers its kind, pid and capability names from fields (its name was checked when it was
     * made), so only a name that names no space is parsed, and no string is built per call.
     */

    private Space readable(MemCaller c, String space) throws SyscallException {
        Space s = space == null ? null : spaces.get(space);
        if (s == null) {
            c.checkRead(space);
            throw new SyscallException(Errno.ENOENT, "no space " + space);
        }
        c.checkRead(space, s.kind, s.pid, s.readCapability);
        c.checkOwner(space, s.kind, s.owner, s.members);
        return s;
    }

    /** The space for a write, checked; a process's own user space is created on its first write. */
    private Space writable(MemCaller c, String space) throws SyscallException {
        Space s = space == null ? null : spaces.get(space);
        if (s != null) {
            c.checkWrite(space, s.kind, s.pid, s.writeCapability);
            c.checkOwner(space, s.kind, s.owner, s.members);
            return s;
        }
        c.checkWrite(space);
        if (!c.owns(space)) throw new SyscallException(Errno.ENOENT, "no space " + space);
        synchronized (this) {
            s = spaces.get(space);
            if (s == null) s = createUserSpace(c.pid(), c.owner());
        }
        return s;
    }

    private static void checkSpaceQuota(Space s, Entry old, Entry now) throws SyscallException {
        long delta = now.charged() - (old == null ? 0 : old.charged());
        if (delta <= 0 || s.kind == SpaceKind.SYSTEM) return;
        if (s.quotaBytes > 0 && s.logicalBytes + delta > s.quotaBytes) {
            throw new SyscallException(Errno.EQUOTA, (s.kind == SpaceKind.USER ? "process" : "space") + " quota of "
                    + s.name + ": " + s.logicalBytes + " bytes used + " + delta + " more exceeds the limit of " + s.quotaBytes);
        }
    }

    @Override
    public void close() {
        if (log != null) log.close();
        try {
            archive.close();
        } catch (IOException e) {
            LOG.warn("closing the memory archive: {}", e.toString());
        }
    }

    /** For tests: bytes in the log file now. */
    long logSize() {
        return log == null ? 0 : log.size();
    }

    /** For tests: compactions done while running. */
    long compactions() {
        return log == null ? 0 : log.compactions();
    }

    /** For tests: whether a compaction is queued or running. */
    boolean compacting() {
        return log != null && log.compacting();
    }

    /** For tests: the tree root of a space (identity tells sharing). */
    PageTree<Entry> tree(String space) {
        Space s = spaces.get(space);
        return s == null ? null : s.tree;
    }

    /** For tests: resident working keys of a space, least recently used first. */
    List<String> window(String space) {
        Space s = spaces.get(space);
        if (s == null) return List.of();
        synchronized (s) {
            return List.copyOf(new LinkedHashMap<>(s.lru).keySet());
        }
    }
}
