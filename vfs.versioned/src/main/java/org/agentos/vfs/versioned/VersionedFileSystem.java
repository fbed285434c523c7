package org.agentos.vfs.versioned;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.fs.FsUsage;
import org.agentos.kernel.api.fs.WorkspaceTrees;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The versioned filesystem ({@link FileSystem} SPI): workspaces under {@code /home/<owner>} and
 * {@code /shared} kept in a {@link VersionStore}, a per-process scratch {@code /tmp} in memory
 * ({@link TmpFiles}), a read-only {@code /proc} made from the process table and the audit log
 * ({@link ProcTree}), and a read-only {@code /mem} made from the memory manager ({@link MemTree}).
 * This class checks capabilities and sends each call to its area, serving the versioned ones
 * itself, through the forks' views.
 */
// The filesystem reads the process table and writes the audit log (kernel.admin), adds the fs.* tools
// and reads memory spaces for /mem (mem.admin: the kernel hides the MemoryManager from bundles without it).
@org.agentos.kernel.api.security.RequiresPermission({org.agentos.kernel.api.security.KernelPermission.KERNEL_ADMIN,
        org.agentos.kernel.api.security.KernelPermission.TOOL_PROVIDE,
        org.agentos.kernel.api.security.KernelPermission.MEM_ADMIN})
// Privileged: the FileSystem service acts as the operator on every file, so only bundles with fs.admin see it.
@Component(service = FileSystem.class, configurationPid = VersionedFileSystem.PID,
        property = org.agentos.kernel.api.security.KernelPermission.SERVICE_PROPERTY + "="
                + org.agentos.kernel.api.security.KernelPermission.FS_ADMIN)
@Designate(ocd = VersionedFileSystem.Config.class)
public class VersionedFileSystem implements FileSystem {
    static final String PID = "org.agentos.vfs";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VersionedFileSystem.class);
    private static final List<String> ROOTS = List.of("home/", "mem/", "proc/", "shared/", "tmp/");

    @ObjectClassDefinition(name = "Agent OS versioned filesystem")
    public @interface Config {
        @AttributeDefinition(description = "Directory of the store; empty = ${karaf.data}/agentos/vfs")
        String dataDir() default "";

        @AttributeDefinition(description = "Bytes each owner may keep: its live files and their older versions together "
                + "(the oldest versions expire to make room for a write)")
        long quotaBytes() default 1L << 30;

        @AttributeDefinition(description = "Live files each owner may keep")
        long quotaFiles() default 100_000;

        @AttributeDefinition(description = "Per-owner quotas, owner=bytes/files, e.g. alice=10485760/1000")
        String[] ownerQuotas() default {};

        @AttributeDefinition(description = "Bytes all of /tmp may hold (in memory, not versioned)")
        long tmpBytes() default 256L << 20;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ProcessManager processes;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuditLog audit;

    /** Which memory manager the kernel uses now (kernel:swap memory chooses it). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Subsystems subsystems;

    /** Every registered memory manager, highest-ranked first; replaced whole, so that a reader never sees it half made. */
    private volatile List<Candidate> memories = List.of();

    private record Candidate(MemoryManager manager, int ranking, long id) {}

    @Reference(service = MemoryManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addMemoryManager(MemoryManager m, Map<String, Object> props) {
        Object r = props.get(Constants.SERVICE_RANKING);
        Object id = props.get(Constants.SERVICE_ID);
        List<Candidate> next = new ArrayList<>(memories);
        next.add(new Candidate(m, r instanceof Integer i ? i : 0, id instanceof Long l ? l : Long.MAX_VALUE));
        next.sort(Comparator.comparingInt(Candidate::ranking).reversed().thenComparingLong(Candidate::id));
        memories = List.copyOf(next);
    }

    synchronized void removeMemoryManager(MemoryManager m) {
        memories = memories.stream().filter(c -> c.manager() != m).toList();
    }

    /**
     * The manager /mem reads: the one the kernel has bound, so that /mem shows what agents
     * read and write after a kernel:swap; the highest-ranked while no kernel says. Taken once per
     * call, so that one call sees one manager.
     */
    MemoryManager memory() {
        List<Candidate> all = memories;
        if (all.isEmpty()) return null;
        Subsystems kernel = subsystems;
        String bound = kernel == null ? null : kernel.bound("memory");
        if (bound != null) {
            for (Candidate c : all) if (bound.equals(c.manager().name())) return c.manager();
        }
        return all.get(0).manager();
    }

    /** Writes go to the store's log; reads go to its index, the forks' views among them. */
    private VersionStore store;
    private VersionIndex index;
    private ForkViews forks;
    private volatile Map<String, VersionStore.Quota> quotas = Map.of();
    private volatile VersionStore.Quota defaultQuota = VersionStore.Quota.NONE;
    private final TmpFiles tmp = new TmpFiles(this::watchExit);
    /** The processes whose exit is watched: their /tmp files and their view of the files go with them. */
    private final Map<Long, Boolean> exitWatched = new ConcurrentHashMap<>();

    public VersionedFileSystem() {}

    /**
     * A filesystem outside OSGi (benchmarks, tools) with its store in {@code dir}, no /proc and no
     * quotas; {@link #close()} it.
     */
    public static VersionedFileSystem open(Path dir) throws IOException {
        return new VersionedFileSystem(dir, null, null);
    }

    /** Chunks stored and their bytes: with the live bytes, the deduplication ratio. */
    public long[] storedChunks() {
        return store.blobStats();
    }

    /** Outside OSGi (tests, benchmarks): a store in {@code dir}. */
    VersionedFileSystem(Path dir, ProcessManager processes, AuditLog audit) throws IOException {
        this.processes = processes;
        this.audit = audit;
        Files.createDirectories(dir);
        this.store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        this.index = store.index;
        this.forks = index.views;
        index.setQuotas(this::quotaOf);
    }

    @Activate
    void activate(Config config, BundleContext context) throws IOException {
        Path dir;
        if (!config.dataDir().isBlank()) dir = Path.of(config.dataDir());
        else if (System.getProperty("karaf.data") != null) dir = Path.of(System.getProperty("karaf.data"), "agentos", "vfs");
        else dir = context.getDataFile("vfs").toPath();
        Files.createDirectories(dir);
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        index = store.index;
        forks = index.views;
        index.setQuotas(this::quotaOf);
        configure(config);
    }

    @Modified
    void configure(Config config) {
        defaultQuota = new VersionStore.Quota(config.quotaBytes(), config.quotaFiles());
        Map<String, VersionStore.Quota> q = new HashMap<>();
        for (String entry : config.ownerQuotas()) {
            String[] kv = entry.split("=", 2);
            String[] bf = kv.length == 2 ? kv[1].split("/", 2) : new String[0];
            try {
                q.put(kv[0].trim(), new VersionStore.Quota(Long.parseLong(bf[0].trim()), Long.parseLong(bf[1].trim())));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("EINVAL: ownerQuotas entry '" + entry + "' is not owner=bytes/files");
            }
        }
        quotas = Map.copyOf(q);
        tmp.limit(config.tmpBytes());
    }

    /** Quotas without ConfigAdmin (tests). */
    void setQuotas(VersionStore.Quota dflt, Map<String, VersionStore.Quota> perOwner) {
        defaultQuota = dflt;
        quotas = Map.copyOf(perOwner);
    }

    @Deactivate
    public void close() {
        store.close();
    }

    VersionStore store() {
        return store;
    }

    VersionStore.Quota quotaOf(String owner) {
        return quotas.getOrDefault(owner, defaultQuota);
    }

    // ------------------------------------------------------------------ checks

    private enum Area { HOME, SHARED, TMP, PROC, MEM, TOP }

    private static Area area(String p) {
        if (VfsPaths.within(p, "/home") && !p.equals("/home")) return Area.HOME;
        if (VfsPaths.within(p, "/shared") && !p.equals("/shared")) return Area.SHARED;
        if (VfsPaths.within(p, "/tmp") && !p.equals("/tmp")) return Area.TMP;
        if (VfsPaths.within(p, "/proc")) return Area.PROC;
        if (VfsPaths.within(p, "/mem")) return Area.MEM;
        return Area.TOP;
    }

    /** The directories of the top area: the root and the roots of the areas kept in the store or in memory. */
    private static boolean topDirectory(String p) {
        return p.equals("/") || p.equals("/home") || p.equals("/shared") || p.equals("/tmp");
    }

    /** Normalizes and checks fs:read / fs:write on the normalized path. */
    private static String check(FsCaller c, String path, String access) throws SyscallException {
        String p = VfsPaths.normalize(path);
        String cap = "fs:" + access + ":" + p;
        if (!c.permits(cap)) throw new SyscallException(Errno.EPERM, "missing capability " + cap);
        return p;
    }

    private static String writable(FsCaller c, String path) throws SyscallException {
        // the synthetic trees refuse before the capability check: no fs:write grant would help there
        String n = VfsPaths.normalize(path);
        Area a = area(n);
        if (a == Area.PROC) throw new SyscallException(Errno.EPERM, n + " " + ProcTree.READ_ONLY);
        if (a == Area.MEM) throw new SyscallException(Errno.EPERM, n + ": " + MemTree.READ_ONLY);
        String p = check(c, path, "write");
        if (a == Area.TOP) {
            throw new SyscallException(Errno.EPERM, p + " cannot be written: files live under /home/<owner>, /shared or /tmp");
        }
        if (a == Area.HOME && VfsPaths.parent(p).equals("/home")) {
            throw new SyscallException(Errno.EPERM, p + " is a home directory, not a file");
        }
        return p;
    }

    private VersionStore.Author author(FsCaller c) {
        return new VersionStore.Author(c.pid(), c.owner(), c.bundle(), c.syscall(), c.callId());
    }

    private static FileInfo info(VersionStore.Version v) {
        return FileInfo.file(v.path(), v.number(), v.size(), v.sha256(), v.deleted(), v.time(), v.pid(), v.owner(),
                v.bundle(), v.syscall(), v.restoredFrom());
    }

    /** The fork's view {@code c} has, or null (watched: it goes when its process ends, also after a restart). */
    private ForkViews.View view(FsCaller c) {
        ForkViews.View v = forks.of(c.viewOf());
        if (v != null) watchExit(v.pid());
        return v;
    }

    /** The store path holding {@code p} as {@code c} sees it: a fork sees its workspace through its layer. */
    private String seen(FsCaller c, String p) {
        return view(c) == null ? p : forks.resolve(c.viewOf(), p, index::hasEntry);
    }

    /** Where {@code c}'s changes to {@code p} go: its fork's layer, in its workspace. */
    private String upper(FsCaller c, String p) {
        ForkViews.View v = view(c);
        return v == null || !v.covers(p) ? p : v.base() + p;
    }

    /** Whether {@code p} is a directory as {@code c} sees it. */
    private boolean isDirectory(FsCaller c, String p) {
        return view(c) == null ? index.isDirectory(p) : forks.anyLayer(c.viewOf(), p, index::isDirectory);
    }

    /** Version {@code v} as {@code c} names it: at {@code p}. */
    private static FileInfo info(String p, VersionStore.Version v) {
        return FileInfo.file(p, v.number(), v.size(), v.sha256(), v.deleted(), v.time(), v.pid(), v.owner(),
                v.bundle(), v.syscall(), v.restoredFrom());
    }

    /** Topic of the OSGi event posted for every new version in a versioned workspace. */
    static final String TOPIC_CHANGED = "org/agentos/fs/CHANGED";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin events;

    /** A file got a new version: an OSGi event (agents receive it through ipc.subscribe). */
    private FileInfo changed(String op, FileInfo f) {
        EventAdmin ea = events;
        if (ea != null) {
            ea.postEvent(new Event(TOPIC_CHANGED, Map.of("path", f.path(), "version", f.version(), "op", op,
                    "owner", f.owner() == null ? "" : f.owner(), "pid", f.pid())));
        }
        return f;
    }

    // ------------------------------------------------------------------ FileSystem

    @Override
    public FileInfo write(FsCaller c, String path, InputStream data) throws SyscallException {
        String p = writable(c, path);
        if (area(p) == Area.TMP) return tmp.write(c, p, data, false);
        if (isDirectory(c, p)) throw new SyscallException(Errno.EEXIST, p + " is a directory");
        VersionStore.Version v = store.write(upper(c, p), data, author(c));
        changed("write", info(v));
        return info(p, v);
    }

    @Override
    public FileInfo append(FsCaller c, String path, InputStream data) throws SyscallException {
        String p = writable(c, path);
        if (area(p) == Area.TMP) return tmp.write(c, p, data, true);
        if (isDirectory(c, p)) throw new SyscallException(Errno.EEXIST, p + " is a directory");
        String s = upper(c, p);
        // Read-modify-write made exact: appends to one path take turns (a striped lock), and the
        // new version is written only if the one it extends is still the latest, so that a plain
        // write that came in between makes it read again rather than be overwritten.
        byte[] tail;
        try {
            tail = data.readAllBytes();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading the data to append failed: " + e.getMessage());
        }
        synchronized (appendLocks[Math.floorMod(s.hashCode(), appendLocks.length)]) {
            VersionStore.Version v = appendLocked(c, p, s, tail);
            changed("append", info(v));
            return info(p, v);
        }
    }

    private final Object[] appendLocks = newLocks(64);

    private static Object[] newLocks(int n) {
        Object[] locks = new Object[n];
        for (int i = 0; i < n; i++) locks[i] = new Object();
        return locks;
    }

    /** Appends to {@code p} as {@code c} sees it, writing {@code s} (its fork's layer or {@code p}). */
    private VersionStore.Version appendLocked(FsCaller c, String p, String s, byte[] tail) throws SyscallException {
        for (int attempt = 0; ; attempt++) {
            var latest = index.latest(seen(c, p));
            long base = index.latest(s).map(VersionStore.Version::number).orElse(0L); // a fork's first change: its layer has none
            InputStream whole = latest.map(v -> (InputStream) new SequenceInputStream(store.open(v), new ByteArrayInputStream(tail)))
                    .orElse(new ByteArrayInputStream(tail));
            try {
                return store.write(s, whole, author(c), base);
            } catch (SyscallException e) {
                if (e.errno() != Errno.EAGAIN || attempt >= 64) throw e;
            }
        }
    }

    @Override
    public InputStream read(FsCaller c, String path, long version) throws SyscallException {
        String p = check(c, path, "read");
        return switch (area(p)) {
            case TMP -> tmp.read(p);
            case PROC -> ProcTree.read(processes, audit, c, p);
            case MEM -> MemTree.read(memory(), c, p, version);
            case TOP -> throw new SyscallException(Errno.ENOENT, topDirectory(p) ? p + " is a directory" : "no file " + p);
            default -> {
                if (version < 0) throw new SyscallException(Errno.EINVAL, "version must be 0 (latest) or positive");
                String s = seen(c, p);
                VersionStore.Version v = version == 0
                        ? index.latest(s).orElseThrow(() -> notFound(s, p))
                        : index.version(s, version).orElseThrow(() -> new SyscallException(Errno.ENOENT,
                                "no version " + version + " of " + p + " (never written, or expired: an owner's "
                                        + "quota holds its files and their history, the oldest history going first)"));
                if (v.deleted()) throw new SyscallException(Errno.ENOENT, "version " + version + " of " + p + " is a deletion");
                yield store.open(v);
            }
        };
    }

    /** ENOENT for {@code p}, which is {@code s} in the store. */
    private SyscallException notFound(String s, String p) {
        return new SyscallException(Errno.ENOENT, index.isDirectory(s) ? p + " is a directory" : "no file " + p);
    }

    @Override
    public FileInfo stat(FsCaller c, String path) throws SyscallException {
        String p = check(c, path, "read");
        return switch (area(p)) {
            case TMP -> tmp.stat(p);
            case PROC -> ProcTree.stat(processes, audit, c, p);
            case MEM -> MemTree.stat(memory(), c, p);
            case TOP -> {
                if (topDirectory(p)) yield FileInfo.directory(p);
                throw new SyscallException(Errno.ENOENT, "no file " + p);
            }
            default -> {
                var latest = index.latest(seen(c, p));
                if (latest.isPresent()) yield info(p, latest.get());
                if (isDirectory(c, p)) yield FileInfo.directory(p);
                throw new SyscallException(Errno.ENOENT, "no file " + p);
            }
        };
    }

    @Override
    public List<FileInfo> list(FsCaller c, String directory) throws SyscallException {
        String p = check(c, directory, "read");
        List<FileInfo> out = new ArrayList<>();
        if (p.equals("/")) {
            for (String r : ROOTS) out.add(FileInfo.directory("/" + r.substring(0, r.length() - 1)));
            return out;
        }
        return switch (area(p)) {
            case TOP -> {
                if (p.equals("/home") || p.equals("/shared")) {
                    for (String name : index.list(p)) out.add(entry(c, p, name));
                    yield out;
                }
                if (!p.equals("/tmp")) throw new SyscallException(Errno.ENOENT, "no directory " + p);
                yield children(c, p, tmp.names(p));
            }
            case TMP -> children(c, p, tmp.names(p));
            case PROC -> children(c, p, ProcTree.names(processes, c, p));
            case MEM -> MemTree.list(memory(), c, p);
            default -> {
                if (index.latest(seen(c, p)).isPresent()) throw new SyscallException(Errno.EINVAL, p + " is a file, not a directory");
                if (!isDirectory(c, p)) throw new SyscallException(Errno.ENOENT, "no directory " + p);
                List<String> names = view(c) == null ? index.list(p) : forks.names(c.viewOf(), p, index::list, index::deletedIn);
                for (String name : names) out.add(entry(c, p, name));
                yield out;
            }
        };
    }

    /**
     * The entries of {@code dir} in /tmp or /proc by name (a directory's ending in '/'): each file
     * as {@link #stat} gives it, so that {@code c} needs fs:read on it too.
     */
    private List<FileInfo> children(FsCaller c, String dir, List<String> names) throws SyscallException {
        List<FileInfo> out = new ArrayList<>();
        for (String n : names) {
            out.add(n.endsWith("/") ? FileInfo.directory(dir + "/" + n.substring(0, n.length() - 1)) : stat(c, dir + "/" + n));
        }
        return out;
    }

    private FileInfo entry(FsCaller c, String dir, String name) {
        String path = (dir.equals("/") ? "" : dir) + "/" + (name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        if (name.endsWith("/")) return FileInfo.directory(path);
        return index.latest(seen(c, path)).map(v -> info(path, v)).orElse(FileInfo.directory(path));
    }

    @Override
    public FileInfo delete(FsCaller c, String path) throws SyscallException {
        String p = writable(c, path);
        if (area(p) == Area.TMP) return tmp.delete(c, p);
        String s = upper(c, p);
        boolean hidesBelow = !s.equals(p) && index.latest(seen(c, p)).isPresent(); // a fork deletes what it sees below its layer
        VersionStore.Version v = store.delete(s, author(c), hidesBelow);
        changed("delete", info(v));
        return info(p, v);
    }

    @Override
    public List<FileInfo> history(FsCaller c, String path) throws SyscallException {
        String p = check(c, path, "read");
        if (area(p) == Area.MEM) return MemTree.history(memory(), c, p);
        List<FileInfo> out = new ArrayList<>();
        for (VersionStore.Version v : index.history(seen(c, p))) out.add(info(p, v));
        if (out.isEmpty()) throw new SyscallException(Errno.ENOENT, "no history for " + p);
        return out;
    }

    @Override
    public List<FileInfo> changesBy(FsCaller c, long pid, int limit) throws SyscallException {
        if (pid != c.pid() && !c.permits("fs:audit")) {
            throw new SyscallException(Errno.EPERM, "missing capability fs:audit (to see another process's changes)");
        }
        if (limit <= 0) throw new SyscallException(Errno.EINVAL, "limit must be positive");
        List<FileInfo> out = new ArrayList<>();
        ForkViews.View mine = view(c);
        for (VersionStore.Version v : index.madeBy(pid, limit)) {
            boolean inLayer = mine != null && v.path().startsWith(mine.base() + "/");
            out.add(inLayer ? info(v.path().substring(mine.base().length()), v) : info(v));
        }
        return out;
    }

    @Override
    public String diff(FsCaller c, String path, long from, long to) throws SyscallException {
        String p = check(c, path, "read");
        if (area(p) == Area.MEM) throw new SyscallException(Errno.EINVAL, p + ": /mem keeps only the current value, there is nothing to diff");
        String s = seen(c, p);
        String a = text(s, p, from);
        long toVersion = to == 0 ? index.head(s).map(VersionStore.Head::version).orElse(0L) : to;
        String b = text(s, p, toVersion);
        String d = LineDiff.unified(a, b, p + " v" + from, p + " v" + toVersion);
        if (d == null) throw new SyscallException(Errno.EINVAL, "the versions differ in too many lines to diff");
        return d;
    }

    /** Version {@code version} of {@code p}, which is {@code s} in the store, as text. */
    private String text(String s, String p, long version) throws SyscallException {
        VersionStore.Version v = index.version(s, version)
                .orElseThrow(() -> new SyscallException(Errno.ENOENT, "no version " + version + " of " + p));
        if (v.deleted()) return "";
        if (v.size() > 8L << 20) throw new SyscallException(Errno.EINVAL, "version " + version + " is over 8 MiB: too large to diff");
        try (InputStream in = store.open(v)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading " + p + " v" + version + ": " + e.getMessage());
        }
    }

    @Override
    public FileInfo restore(FsCaller c, String path, long version) throws SyscallException {
        String p = writable(c, path);
        VersionStore.Version v = store.restore(seen(c, p), version, upper(c, p), author(c));
        changed("restore", info(v));
        return info(p, v);
    }

    @Override
    public FileInfo mkdir(FsCaller c, String path) throws SyscallException {
        String p = writable(c, path);
        if (area(p) == Area.TMP) return FileInfo.directory(p); // /tmp directories exist by their files
        String s = upper(c, p);
        for (String q = p; !q.equals("/"); q = VfsPaths.parent(q)) {
            if (index.latest(seen(c, q)).isPresent()) throw new SyscallException(Errno.EEXIST, q + " is a file");
        }
        store.mkdir(s, author(c));
        return FileInfo.directory(p);
    }

    @Override
    public String fork(long parent, long child, String owner, List<String> capabilities) throws SyscallException {
        List<String> trees = new ArrayList<>();
        for (String t : WorkspaceTrees.of(capabilities)) {
            try {
                String n = VfsPaths.normalize(t);
                if (area(n) == Area.HOME) trees.add(n);
            } catch (SyscallException unsafe) {
                // a pattern that names no safe path names no tree
            }
        }
        if (trees.isEmpty()) return null;
        String base = ForkViews.base(owner, child);
        // it sees what its parent sees: through the parent's view, if it has one
        store.addView(new ForkViews.View(child, owner, base, List.copyOf(trees), forks.of(parent) == null ? 0 : parent, false));
        return base; // the child is not in the process table yet: its first use of the view watches for its end
    }

    @Override
    public List<FsUsage> usage() {
        List<FsUsage> out = new ArrayList<>();
        index.usageByOwner().forEach((owner, u) -> {
            VersionStore.Quota q = quotaOf(owner);
            out.add(new FsUsage(owner, u.bytes(), u.files(), q.bytes(), q.files(), index.historyBytes(owner)));
        });
        return out;
    }

    // ------------------------------------------------------------------ exits

    /** A process's /tmp files go when it exits, and its view of the files (a fork's copy stays, as files). */
    private void watchExit(long pid) {
        ProcessManager pm = processes;
        if (pid <= 0 || pm == null || exitWatched.putIfAbsent(pid, Boolean.TRUE) != null) return;
        try {
            pm.awaitExit(pid).whenComplete((status, e) -> exited(pid));
        } catch (SyscallException gone) {
            exited(pid);
        }
    }

    private void exited(long pid) {
        clearTmp(pid);
        try {
            store.endView(pid);
        } catch (SyscallException e) {
            LOG.warn("could not forget the ended fork {}'s view of the files: {}", pid, e.toString());
        }
    }

    void clearTmp(long pid) {
        tmp.clear(pid);
        exitWatched.remove(pid);
    }
}
