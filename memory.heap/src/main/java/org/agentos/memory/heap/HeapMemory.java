package org.agentos.memory.heap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The heap memory manager ({@link MemoryManager} SPI): {@code system}, {@code user/<pid>} and
 * {@code shared/<name>} spaces kept entirely on the JVM heap, for small deployments and tests.
 * Ranked below {@code memory.hierarchical}; usable without OSGi through {@link #standalone()}.
 *
 * <p>Where its policy differs from the hierarchical manager:
 * <ul>
 * <li>Nothing is on disk. {@code share(..., persistent=true)} is refused with {@code EINVAL}. A
 *     space that arrives persistent in {@link #importState} (a live swap from a persistent
 *     manager) is accepted, kept in memory with its flag, reported persistent and exported with it,
 *     so that swapping back makes it durable again; until then a crash loses it (a warning says so).
 *     Everything this manager creates itself, fork children included, is memory-only.</li>
 * <li>Fork copies the parent's index eagerly, O(entries), not copy-on-write: simple, and fine at
 *     this manager's sizes. Entries are immutable, so both spaces refer to the same values, but
 *     each is charged for them in full and {@link SpaceInfo#sharedBytes()} is always 0.</li>
 * <li>Paged-out working entries go to an in-heap {@link Archive}; recall ranks them by how many
 *     query words their key, summary and text contain (no full-text index). Paging out shrinks a
 *     context window, not the heap: {@link #reclaim} reports the resident bytes it moved.</li>
 * <li>Every {@link CompletionStage} is complete when returned; {@code EIO} never happens.</li>
 * </ul>
 * One lock guards the whole store: every operation is a few map updates.
 */
@Component(service = MemoryManager.class, configurationPid = HeapMemory.PID,
        property = {"service.ranking:Integer=10", "agentos.subsystem.name=heap",
                // callers name themselves in MemCaller: only the kernel and granted bundles may see it
                KernelPermission.SERVICE_PROPERTY + "=" + KernelPermission.MEM_ADMIN})
@Designate(ocd = HeapMemory.Config.class)
public class HeapMemory implements MemoryManager {
    static final String PID = "org.agentos.memory.heap";
    static final String NO_DISK = "memory.heap keeps nothing on disk; use memory.hierarchical";
    static final int MAX_VALUE = 16 << 20;
    static final int MAX_SUMMARY = 4096;
    static final int MAX_LIST = 1000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HeapMemory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Agent OS heap memory",
            description = "A memory manager that keeps every space on the heap (nothing on disk)")
    public @interface Config {
        @AttributeDefinition(description = "Bytes each user/<pid> space may hold (0 = no limit)")
        long processQuotaBytes() default 64L << 20;

        @AttributeDefinition(description = "Bytes each owner may hold over all its spaces (0 = no limit)")
        long ownerQuotaBytes() default 1L << 30;

        @AttributeDefinition(description = "Per-owner quotas in bytes, owner=bytes, e.g. alice=1048576")
        String[] ownerQuotas() default {};

        @AttributeDefinition(description = "Keep a process's user space after it exits")
        boolean keepUserSpacesOnExit() default false;

        @AttributeDefinition(description = "Context-window token budget of a new process (0 = unlimited)")
        long defaultTokenBudget() default 8000;
    }

    private final Object lock = new Object();
    private volatile Settings settings;
    private Map<String, Space> spaces = new TreeMap<>();
    private Map<String, Long> ownerBytes = new HashMap<>();
    /** Budgets by pid, also for processes whose space does not exist yet. */
    private Map<Long, Long> budgets = new HashMap<>();

    /** For Declarative Services; {@link #standalone()} elsewhere. */
    public HeapMemory() {
        this(Settings.DEFAULTS);
    }

    HeapMemory(Settings settings) {
        this.settings = settings;
        spaces.put("system", new Space("system", "root", false, 0, 0));
    }

    /** A manager with the default configuration, outside OSGi (tests, benchmarks, the kernel's unit tests). */
    public static HeapMemory standalone() {
        return new HeapMemory();
    }

    /** New quotas and policies; a user space keeps the process quota it was made with. */
    @Activate
    @Modified
    void configure(Config config) {
        settings = Settings.of(config);
    }

    @Override
    public String name() {
        return "heap";
    }

    // ------------------------------------------------------------------ entries

    @Override
    public MemEntry get(MemCaller caller, String space, String key) throws SyscallException {
        MemKey.check(key);
        synchronized (lock) {
            Space s = readable(caller, space);
            Entry e = s.entries.get(key);
            if (e == null) throw new SyscallException(Errno.ENOENT, "no key '" + key + "' in " + space);
            if (!e.resident()) {
                e = s.pageIn(key);
                s.enforceBudget(Set.of(key));
            } else if (e.working()) {
                s.touch(key);
            }
            return e.toMem(s.name);
        }
    }

    @Override
    public CompletionStage<EntryInfo> put(MemCaller caller, String space, String key, MemWrite value)
            throws SyscallException {
        MemKey.check(key);
        Value v = value(value);
        synchronized (lock) {
            Space s = writable(caller, space);
            Entry old = s.entries.get(key);
            return CompletableFuture.completedFuture(write(s, old, v.entry(key, old, caller)).info(s.name));
        }
    }

    @Override
    public CompletionStage<Boolean> delete(MemCaller caller, String space, String key) throws SyscallException {
        MemKey.check(key);
        synchronized (lock) {
            Space s = writable(caller, space);
            Entry old = s.remove(key);
            if (old != null) ownerBytes.merge(s.owner, -old.charged(), Long::sum);
            return CompletableFuture.completedFuture(old != null);
        }
    }

    @Override
    public CompletionStage<CasOutcome> cas(MemCaller caller, String space, String key, long expectedVersion,
            MemWrite value) throws SyscallException {
        MemKey.check(key);
        if (expectedVersion < 0) throw new SyscallException(Errno.EINVAL, "expected version must be >= 0");
        Value v = value(value);
        synchronized (lock) {
            Space s = writable(caller, space);
            Entry old = s.entries.get(key);
            if ((old == null ? 0 : old.version()) != expectedVersion) {
                return CompletableFuture.completedFuture(new CasOutcome(false, old == null ? null : old.info(s.name)));
            }
            return CompletableFuture.completedFuture(new CasOutcome(true, write(s, old, v.entry(key, old, caller)).info(s.name)));
        }
    }

    /** Quota-checked write: it fails whole, before anything changes. */
    private Entry write(Space s, Entry old, Entry now) throws SyscallException {
        long delta = now.charged() - (old == null ? 0 : old.charged()); // keys and overhead count, not values only
        checkQuota(s, delta);
        s.put(now);
        ownerBytes.merge(s.owner, delta, Long::sum);
        if (now.working()) s.enforceBudget(Set.of(now.key()));
        return now;
    }

    @Override
    public EntryPage list(MemCaller caller, String space, String prefix, String after, int limit)
            throws SyscallException {
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        String p = prefix == null ? "" : prefix;
        int max = Math.min(limit, MAX_LIST);
        synchronized (lock) {
            Space s = readable(caller, space);
            Map<String, Entry> from = after != null && after.compareTo(p) >= 0
                    ? s.entries.tailMap(after, false) : s.entries.tailMap(p, true);
            List<EntryInfo> out = new ArrayList<>();
            String next = null;
            for (Entry e : from.values()) {
                if (!e.key().startsWith(p)) break;
                if (out.size() == max) {
                    next = out.get(max - 1).key();
                    break;
                }
                out.add(e.info(s.name));
            }
            return new EntryPage(List.copyOf(out), next);
        }
    }

    @Override
    public List<EntryInfo> search(MemCaller caller, String space, String query, int limit) throws SyscallException {
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        List<String> words = Words.of(query);
        if (words.isEmpty()) throw new SyscallException(Errno.EINVAL, "the query has no words");
        record Hit(EntryInfo info, int score) {}
        List<Hit> hits = new ArrayList<>();
        synchronized (lock) {
            Space s = readable(caller, space);
            for (Entry e : s.entries.values()) {
                // the archive is on the heap too: a paged-out entry is matched by its text, not paged in
                String key = e.key().toLowerCase(Locale.ROOT);
                String text = Words.text(s.withValue(e));
                int score = 0;
                for (String w : words) {
                    int n = Words.count(text, w);
                    if (n == 0) {
                        score = 0;
                        break;
                    }
                    score += n + Words.count(key, w); // a word in the key counts twice
                }
                if (score > 0) hits.add(new Hit(e.info(s.name), score));
            }
        }
        hits.sort(java.util.Comparator.comparingInt(Hit::score).reversed().thenComparing(h -> h.info().key()));
        return hits.stream().limit(limit).map(Hit::info).toList();
    }

    // ------------------------------------------------------------------ spaces

    @Override
    public SpaceInfo share(MemCaller caller, String name, SharedSpec spec) throws SyscallException {
        String space = "shared/" + name;
        SpaceKind.parse(space);
        caller.require("mem:share:" + name, "create " + space);
        if (spec.persistent()) throw new SyscallException(Errno.EINVAL, NO_DISK);
        synchronized (lock) {
            if (spaces.containsKey(space)) throw new SyscallException(Errno.EEXIST, space + " exists");
            Space s = new Space(space, caller.owner(), false, spec.quotaBytes(), 0, spec.members());
            spaces.put(space, s);
            return s.info();
        }
    }

    @Override
    public List<String> deleteSpace(MemCaller caller, String space) throws SyscallException {
        if (SpaceKind.parse(space) != SpaceKind.SHARED) {
            throw new SyscallException(Errno.EINVAL, "only shared spaces are deleted; " + space + " is not one");
        }
        synchronized (lock) {
            Space s = spaces.get(space);
            if (s == null) throw new SyscallException(Errno.ENOENT, "no space " + space);
            if (!caller.owner().equals(s.owner)) caller.require("mem:admin", "delete " + space + " (owned by " + s.owner + ")");
            List<String> objects = syncObjects(s);
            drop(s);
            return objects;
        }
    }

    @Override
    public List<SpaceInfo> spaces() {
        synchronized (lock) {
            return spaces.values().stream().map(Space::info).toList();
        }
    }

    @Override
    public Optional<SpaceInfo> space(String space) {
        synchronized (lock) {
            return Optional.ofNullable(spaces.get(space)).map(Space::info);
        }
    }

    @Override
    public List<MemUsage> usage() {
        Map<String, long[]> per = new TreeMap<>();
        synchronized (lock) {
            for (Space s : spaces.values()) {
                long[] a = per.computeIfAbsent(s.owner, o -> new long[2]);
                a[0]++;
                a[1] += s.bytes;
            }
        }
        Settings now = settings;
        List<MemUsage> out = new ArrayList<>();
        per.forEach((o, a) -> out.add(new MemUsage(o, a[0], a[1], now.ownerQuota(o))));
        return out;
    }

    // ------------------------------------------------------------------ processes

    @Override
    public void processStarted(long pid, String owner) {
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive");
        synchronized (lock) {
            if (!spaces.containsKey(SpaceKind.userSpace(pid))) createUserSpace(pid, owner);
        }
    }

    @Override
    public void fork(long parent, long child, String childOwner) throws SyscallException {
        if (parent <= 0 || child <= 0 || parent == child) {
            throw new SyscallException(Errno.EINVAL, "fork needs two different positive pids");
        }
        synchronized (lock) {
            String name = SpaceKind.userSpace(child);
            Space existing = spaces.get(name);
            if (existing != null && !existing.entries.isEmpty()) {
                throw new SyscallException(Errno.EEXIST, name + " exists and is not empty");
            }
            Space p = spaces.get(SpaceKind.userSpace(parent));
            long size = p == null ? 0 : p.bytes;
            Settings now = settings;
            if (now.processQuotaBytes() > 0 && size > now.processQuotaBytes()) {
                throw new SyscallException(Errno.EQUOTA, "process quota: the fork's copy of " + size
                        + " bytes exceeds the limit of " + now.processQuotaBytes() + " per user space");
            }
            long limit = now.ownerQuota(childOwner);
            long used = ownerBytes.getOrDefault(childOwner, 0L) - (existing != null && existing.owner.equals(childOwner) ? existing.bytes : 0);
            if (limit > 0 && used + size > limit) {
                throw new SyscallException(Errno.EQUOTA, "owner quota of " + childOwner + ": the fork's copy of "
                        + size + " bytes on top of " + used + " used exceeds the limit of " + limit);
            }
            if (existing != null) drop(existing);
            long budget = p != null ? p.tokenBudget : budgets.getOrDefault(child, now.defaultTokenBudget());
            Space c = new Space(name, childOwner, false, now.processQuotaBytes(), budget);
            budgets.put(child, budget);
            if (p != null) p.copyInto(c);
            spaces.put(name, c);
            ownerBytes.merge(childOwner, c.bytes, Long::sum);
        }
    }

    @Override
    public List<String> processExited(long pid) {
        List<String> freed = new ArrayList<>();
        synchronized (lock) {
            for (Space s : spaces.values()) {
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
            Space own = spaces.get(SpaceKind.userSpace(pid));
            if (own != null && !settings.keepUserSpacesOnExit()) {
                // its objects go with it: whoever waits on them must be woken to learn so
                for (String o : syncObjects(own)) if (!freed.contains(o)) freed.add(o);
                drop(own);
                budgets.remove(pid);
            }
        }
        return freed;
    }

    @Override
    public void setTokenBudget(long pid, long tokens) {
        if (tokens < 0) throw new IllegalArgumentException("a token budget must be >= 0");
        synchronized (lock) {
            budgets.put(pid, tokens);
            Space s = spaces.get(SpaceKind.userSpace(pid));
            if (s != null) {
                s.tokenBudget = tokens;
                s.enforceBudget(Set.of());
            }
        }
    }

    @Override
    public List<MemEntry> recall(MemCaller caller, String query, int limit) throws SyscallException {
        if (caller.pid() <= 0) throw new SyscallException(Errno.EINVAL, "recall searches a process's own context window");
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        List<String> words = Words.of(query);
        if (words.isEmpty()) throw new SyscallException(Errno.EINVAL, "the query has no words");
        synchronized (lock) {
            Space s = spaces.get(SpaceKind.userSpace(caller.pid()));
            if (s == null) return List.of();
            List<String> keys = s.archive.rank(words, limit);
            List<MemEntry> out = new ArrayList<>(keys.size());
            for (String k : keys) out.add(s.pageIn(k).toMem(s.name));
            s.enforceBudget(new HashSet<>(keys));
            return out;
        }
    }

    // ------------------------------------------------------------------ synchronization

    @Override
    public boolean tryLock(MemCaller caller, String space, String name) throws SyscallException {
        MemKey.check(name);
        synchronized (lock) {
            Space s = writable(caller, space);
            Long holder = s.locks.putIfAbsent(name, caller.pid());
            return holder == null || holder == caller.pid();
        }
    }

    @Override
    public void unlock(MemCaller caller, String space, String name) throws SyscallException {
        MemKey.check(name);
        synchronized (lock) {
            Space s = writable(caller, space);
            Long holder = s.locks.get(name);
            if (holder == null || holder != caller.pid()) {
                throw new SyscallException(Errno.EPERM, "lock " + space + "#" + name + " is "
                        + (holder == null ? "not held" : "held by pid " + holder) + ", not by " + caller);
            }
            s.locks.remove(name);
        }
    }

    @Override
    public boolean trySemAcquire(MemCaller caller, String space, String name, int permits, int initial)
            throws SyscallException {
        MemKey.check(name);
        if (permits <= 0) throw new SyscallException(Errno.EINVAL, "permits must be positive");
        if (initial < 0) throw new SyscallException(Errno.EINVAL, "initial permits must be >= 0");
        synchronized (lock) {
            Space s = writable(caller, space);
            Space.Semaphore sem = s.semaphores.get(name);
            int total = sem == null ? initial : sem.total();
            if (permits > total) {
                // checked before creating it: a refused call leaves nothing behind
                throw new SyscallException(Errno.EINVAL, "semaphore " + space + "#" + name + " has " + total
                        + " permits in all; " + permits + " can never be free");
            }
            if (sem == null) s.semaphores.put(name, sem = new Space.Semaphore(initial));
            if (sem.available < permits) return false;
            sem.available -= permits;
            sem.held.merge(caller.pid(), permits, Integer::sum);
            return true;
        }
    }

    @Override
    public void semRelease(MemCaller caller, String space, String name, int permits) throws SyscallException {
        MemKey.check(name);
        if (permits <= 0) throw new SyscallException(Errno.EINVAL, "permits must be positive");
        synchronized (lock) {
            Space s = writable(caller, space);
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
        }
    }

    // ------------------------------------------------------------------ memory pressure

    @Override
    public long reclaim(long bytes, List<Long> victims) {
        long freed = 0;
        synchronized (lock) {
            for (long pid : victims) {
                if (freed >= bytes) break;
                Space s = spaces.get(SpaceKind.userSpace(pid));
                if (s != null) freed += s.reclaim(bytes - freed);
            }
        }
        return freed;
    }

    // ------------------------------------------------------------------ live swap

    @Override
    public MemoryState exportState() {
        synchronized (lock) {
            List<MemoryState.Space> out = new ArrayList<>(spaces.size());
            for (Space s : spaces.values()) {
                List<MemEntry> entries = new ArrayList<>(s.entries.size());
                for (Entry e : s.entries.values()) {
                    Entry full = s.withValue(e);
                    // stored documents are never changed (puts store a copy, gets return one): no copy here
                    entries.add(new MemEntry(e.info(s.name), full.json(), full.blob()));
                }
                List<MemoryState.Semaphore> sems = new ArrayList<>();
                s.semaphores.forEach((n, sem) -> sems.add(new MemoryState.Semaphore(n, sem.available, Map.copyOf(sem.held))));
                out.add(new MemoryState.Space(s.name, s.owner, s.persistent, s.quotaBytes, s.tokenBudget, entries,
                        Map.copyOf(s.locks), sems, s.members));
            }
            return new MemoryState(MemoryState.VERSION, out);
        }
    }

    /**
     * Builds the whole new store beside the current one and switches to it only when all of the
     * state was usable: a refused import changes nothing.
     */
    @Override
    public void importState(MemoryState state) {
        if (state == null || state.version() != MemoryState.VERSION) {
            throw new IllegalArgumentException("memory state version " + (state == null ? "null" : state.version())
                    + " is not " + MemoryState.VERSION + ", the one this manager reads");
        }
        Map<String, Space> next = new TreeMap<>();
        Map<Long, Long> nextBudgets = new HashMap<>();
        List<String> persistent = new ArrayList<>();
        for (MemoryState.Space in : required(state.spaces(), "the state's spaces")) {
            Space s = imported(in);
            if (next.put(s.name, s) != null) throw new IllegalArgumentException("space " + s.name + " is in the state twice");
            if (s.kind == SpaceKind.USER) nextBudgets.put(Long.parseLong(s.name.substring(5)), s.tokenBudget);
            if (s.persistent) persistent.add(s.name);
        }
        next.computeIfAbsent("system", n -> new Space(n, "root", false, 0, 0));
        Map<String, Long> nextOwners = new HashMap<>();
        for (Space s : next.values()) nextOwners.merge(s.owner, s.bytes, Long::sum);
        synchronized (lock) {
            spaces = next;
            budgets = nextBudgets;
            ownerBytes = nextOwners;
        }
        if (!persistent.isEmpty()) {
            LOG.warn("{} persistent space(s) imported ({}): memory.heap keeps them in memory only, so a crash while "
                    + "it is bound loses them; swap back to memory.hierarchical to have them on disk again",
                    persistent.size(), persistent.size() <= 10 ? persistent : persistent.subList(0, 10) + "...");
        }
    }

    /** One space of an imported state, checked; IllegalArgumentException names what is wrong. */
    private static Space imported(MemoryState.Space in) {
        if (in == null) throw new IllegalArgumentException("the state holds a null space");
        if (in.owner() == null) throw new IllegalArgumentException("space " + in.name() + " has no owner");
        if (in.quotaBytes() < 0 || in.tokenBudget() < 0) {
            throw new IllegalArgumentException("space " + in.name() + " has a negative quota or token budget");
        }
        Space s = new Space(in.name(), in.owner(), in.persistent(), in.quotaBytes(), in.tokenBudget(), in.members());
        List<String> pagedOut = new ArrayList<>();
        for (MemEntry me : required(in.entries(), "entries of " + in.name())) {
            EntryInfo i = me.info();
            String where = "entry " + (i == null ? "?" : i.key()) + " of " + s.name;
            if (i == null || (me.json() == null) == (me.blob() == null)) {
                throw new IllegalArgumentException(where + " needs its info and exactly one of json and blob");
            }
            try {
                MemKey.check(i.key());
            } catch (SyscallException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            if (s.entries.containsKey(i.key())) throw new IllegalArgumentException(where + " is in the state twice");
            boolean working = i.working();
            // kept as it is (never changed here; gets copy it), and sized as the exporter counted it
            // when it says, as the rest of the state (owners, quotas, versions) is taken on its word
            long size = me.blob() != null ? me.blob().length : i.bytes() > 0 ? i.bytes() : bytes(me.json());
            s.put(new Entry(i.key(), i.version(), me.json(), me.blob(),
                    me.blob() != null, size, working,
                    working ? Math.max(0, i.tokens()) : 0, working ? i.summary() : null, true, i.modifiedMillis(), i.modifiedBy()));
            if (working && !i.resident()) pagedOut.add(i.key());
        }
        for (String k : pagedOut) s.pageOut(k);
        s.enforceBudget(Set.of());
        for (Map.Entry<String, Long> l : required(in.locks(), "locks of " + in.name()).entrySet()) {
            if (l.getValue() == null) throw new IllegalArgumentException("lock " + s.name + "#" + l.getKey() + " has no holder");
            s.locks.put(l.getKey(), l.getValue());
        }
        for (MemoryState.Semaphore sem : required(in.semaphores(), "semaphores of " + in.name())) {
            Space.Semaphore mine = new Space.Semaphore(sem.available());
            mine.held.putAll(sem.held());
            if (sem.available() < 0 || mine.held.values().stream().anyMatch(n -> n == null || n <= 0)) {
                throw new IllegalArgumentException("semaphore " + s.name + "#" + sem.name() + " has negative permits");
            }
            s.semaphores.put(sem.name(), mine);
        }
        return s;
    }

    private static <T> T required(T value, String what) {
        if (value == null) throw new IllegalArgumentException(what + " are missing (null)");
        return value;
    }

    // ------------------------------------------------------------------ internals

    /** A value checked, measured and copied before the lock is taken. */
    private record Value(JsonNode json, byte[] blob, long bytes, boolean working,
                         int tokens, String summary) {
        Entry entry(String key, Entry old, MemCaller caller) {
            return new Entry(key, old == null ? 1 : old.version() + 1, json, blob, blob != null, bytes, working, tokens,
                    summary, true, System.currentTimeMillis(), caller.pid());
        }
    }

    private static Value value(MemWrite w) throws SyscallException {
        if (w == null) throw new SyscallException(Errno.EINVAL, "a value is required");
        long bytes;
        long chars;
        if (w.blob() != null) {
            bytes = chars = w.blob().length;
        } else {
            byte[] utf8 = utf8(w.json());
            bytes = utf8.length;
            chars = new String(utf8, StandardCharsets.UTF_8).length();
        }
        if (bytes > MAX_VALUE) throw new SyscallException(Errno.EINVAL, "a value of " + bytes + " bytes is larger than " + MAX_VALUE);
        if (w.summary() != null && w.summary().length() > MAX_SUMMARY) {
            throw new SyscallException(Errno.EINVAL, "a summary is at most " + MAX_SUMMARY + " characters");
        }
        // about four characters per token, the usual estimate for English text and JSON
        int tokens = !w.working() ? 0 : w.tokens() > 0 ? w.tokens() : (int) Math.max(1, (chars + 3) / 4);
        return new Value(w.json() == null ? null : w.json().deepCopy(), w.blob(), bytes, w.working(), tokens,
                w.working() ? w.summary() : null);
    }

    private static byte[] utf8(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a JSON value that cannot be written: " + e.getOriginalMessage(), e);
        }
    }

    private static long bytes(JsonNode json) {
        return utf8(json).length;
    }

    private Space createUserSpace(long pid, String owner) {
        Settings now = settings;
        long budget = budgets.computeIfAbsent(pid, p -> now.defaultTokenBudget());
        Space s = new Space(SpaceKind.userSpace(pid), owner, false, now.processQuotaBytes(), budget);
        spaces.put(s.name, s);
        return s;
    }

    private void drop(Space s) {
        spaces.remove(s.name);
        if (s.bytes != 0) ownerBytes.merge(s.owner, -s.bytes, Long::sum);
    }

    private static List<String> syncObjects(Space s) {
        List<String> out = new ArrayList<>();
        for (String l : s.locks.keySet()) out.add(s.name + "#" + l);
        for (String sem : s.semaphores.keySet()) if (!s.locks.containsKey(sem)) out.add(s.name + "#" + sem);
        return out;
    }

    private Space readable(MemCaller c, String space) throws SyscallException {
        c.checkRead(space);
        Space s = spaces.get(space);
        if (s == null) throw new SyscallException(Errno.ENOENT, "no space " + space);
        c.checkOwner(space, s.kind, s.owner, s.members);
        return s;
    }

    /** The space for a write, checked; a process's own user space is made on its first write. */
    private Space writable(MemCaller c, String space) throws SyscallException {
        c.checkWrite(space);
        Space s = spaces.get(space);
        if (s == null) {
            if (c.owns(space)) return createUserSpace(c.pid(), c.owner());
            throw new SyscallException(Errno.ENOENT, "no space " + space);
        }
        c.checkOwner(space, s.kind, s.owner, s.members);
        return s;
    }

    private void checkQuota(Space s, long delta) throws SyscallException {
        if (delta <= 0 || s.kind == SpaceKind.SYSTEM) return;
        if (s.quotaBytes > 0 && s.bytes + delta > s.quotaBytes) {
            throw new SyscallException(Errno.EQUOTA, (s.kind == SpaceKind.USER ? "process" : "space") + " quota of "
                    + s.name + ": " + s.bytes + " bytes used + " + delta + " more exceeds the limit of " + s.quotaBytes);
        }
        long limit = settings.ownerQuota(s.owner);
        long used = ownerBytes.getOrDefault(s.owner, 0L);
        if (limit > 0 && used + delta > limit) {
            throw new SyscallException(Errno.EQUOTA, "owner quota of " + s.owner + ": " + used + " bytes used + "
                    + delta + " more exceeds the limit of " + limit);
        }
    }

    /** For tests: resident working keys of a space, least recently used first. */
    List<String> window(String space) {
        synchronized (lock) {
            Space s = spaces.get(space);
            return s == null ? List.of() : s.window();
        }
    }
}
