package org.agentos.memory.hierarchical;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.memory.CasOutcome;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemUsage;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The hierarchical memory manager ({@link MemoryManager} SPI): {@code system}, {@code user/<pid>}
 * and {@code shared/<name>} spaces of JSON documents and blobs, with quotas, copy-on-write fork,
 * locks and semaphores, and a per-process context window paged to a Lucene archive.
 *
 * <p>Storage. Each space's entries are a persistent B+tree ({@link PageTree}): a fork shares the
 * parent's root in O(1) and the two copy only the pages they write. Persistent spaces write every
 * change to an append-only log (the kernel API's {@link org.agentos.kernel.api.journal.Journal},
 * which the IPC queue log uses too) with group commit, one write and one fsync per round for all
 * writers, replayed and compacted at open. Not MVStore: the VFS measured it
 * (docs/vfs.md) capped near 8 k durable writes/s here because each commit rewrote the B-tree
 * pages its keys touched, while the log writes each byte once. Not memory-mapped files: durability
 * of a mapped write needs an msync of the touched pages per commit and gives no atomic record
 * boundary on a crash; the CRC-framed log gives both, and the in-memory trees give the fork.
 *
 * <p>This class is the OSGi shell: configuration in, {@link MemoryStore} does the work.
 */
@Component(service = MemoryManager.class, configurationPid = HierarchicalMemory.PID,
        property = {"service.ranking:Integer=100", "agentos.subsystem.name=hierarchical",
                // callers name themselves in MemCaller: only the kernel and granted bundles may see it
                org.agentos.kernel.api.security.KernelPermission.SERVICE_PROPERTY + "=" + org.agentos.kernel.api.security.KernelPermission.MEM_ADMIN})
@Designate(ocd = HierarchicalMemory.Config.class)
public class HierarchicalMemory implements MemoryManager {
    static final String PID = "org.agentos.memory.hierarchical";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HierarchicalMemory.class);

    @ObjectClassDefinition(name = "Agent OS hierarchical memory")
    public @interface Config {
        @AttributeDefinition(description = "Directory of persistent spaces and the archive; empty = ${karaf.data}/agentos/memory"
                + " (without karaf.data: memory only, persistent spaces refused)")
        String dataDir() default "";

        @AttributeDefinition(description = "Bytes each user/<pid> space may hold (0 = no limit)")
        long processQuotaBytes() default 64L << 20;

        @AttributeDefinition(description = "Bytes each owner may hold over all its spaces (0 = no limit)")
        long ownerQuotaBytes() default 1L << 30;

        @AttributeDefinition(description = "Per-owner quotas in bytes, owner=bytes, e.g. alice=1048576")
        String[] ownerQuotas() default {};

        @AttributeDefinition(description = "User spaces survive a restart (a restored process finds its memory)")
        boolean userSpacesPersistent() default true;

        @AttributeDefinition(description = "Keep a process's user space after it exits")
        boolean keepUserSpacesOnExit() default false;

        @AttributeDefinition(description = "Context-window token budget of a new process (0 = unlimited)")
        long defaultTokenBudget() default 8000;
    }

    private MemoryStore store;

    @Activate
    void activate(Config config, BundleContext context) throws IOException {
        store = new MemoryStore(settings(config, context.getProperty("karaf.data")));
        LOG.info("hierarchical memory in {}", store.settings().dataDir() == null ? "memory only" : store.settings().dataDir());
    }

    @Modified
    void modified(Config config, BundleContext context) {
        store.reconfigure(settings(config, context.getProperty("karaf.data")));
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    /** For use without OSGi ({@link #standalone}): writes what is queued and closes the log and the archive. */
    public void close() {
        store.close();
    }

    /**
     * A manager outside OSGi (benchmarks, tools): persistent spaces and the archive in {@code dataDirOrNull}
     * (null = memory only), the given quotas per user space and per owner (0 = no limit), the rest as the defaults.
     */
    public static HierarchicalMemory standalone(Path dataDirOrNull, long processQuotaBytes, long ownerQuotaBytes) throws IOException {
        if (processQuotaBytes < 0 || ownerQuotaBytes < 0) throw new IllegalArgumentException("quotas must be >= 0");
        HierarchicalMemory m = new HierarchicalMemory();
        m.store = new MemoryStore(MemorySettings.defaults(dataDirOrNull).withProcessQuota(processQuotaBytes)
                .withOwnerQuota(ownerQuotaBytes, java.util.Map.of()));
        return m;
    }

    static MemorySettings settings(Config config, String karafData) {
        Path dir = !config.dataDir().isBlank() ? Path.of(config.dataDir())
                : karafData != null ? Path.of(karafData, "agentos", "memory") : null;
        if (config.processQuotaBytes() < 0 || config.ownerQuotaBytes() < 0 || config.defaultTokenBudget() < 0) {
            throw new IllegalArgumentException("quotas and the token budget must be >= 0");
        }
        return MemorySettings.defaults(dir).withProcessQuota(config.processQuotaBytes())
                .withOwnerQuota(config.ownerQuotaBytes(), MemorySettings.parseOwnerQuotas(config.ownerQuotas()))
                .withUserSpaces(config.userSpacesPersistent(), config.keepUserSpacesOnExit())
                .withTokenBudget(config.defaultTokenBudget());
    }

    @Override
    public String name() {
        return store.name();
    }

    @Override
    public MemEntry get(MemCaller caller, String space, String key) throws SyscallException {
        return store.get(caller, space, key);
    }

    @Override
    public CompletionStage<EntryInfo> put(MemCaller caller, String space, String key, MemWrite value) throws SyscallException {
        return store.put(caller, space, key, value);
    }

    @Override
    public CompletionStage<Boolean> delete(MemCaller caller, String space, String key) throws SyscallException {
        return store.delete(caller, space, key);
    }

    @Override
    public CompletionStage<CasOutcome> cas(MemCaller caller, String space, String key, long expectedVersion, MemWrite value)
            throws SyscallException {
        return store.cas(caller, space, key, expectedVersion, value);
    }

    @Override
    public EntryPage list(MemCaller caller, String space, String prefix, String after, int limit) throws SyscallException {
        return store.list(caller, space, prefix, after, limit);
    }

    @Override
    public List<EntryInfo> search(MemCaller caller, String space, String query, int limit) throws SyscallException {
        return store.search(caller, space, query, limit);
    }

    @Override
    public SpaceInfo share(MemCaller caller, String name, SharedSpec spec) throws SyscallException {
        return store.share(caller, name, spec);
    }

    @Override
    public List<String> deleteSpace(MemCaller caller, String space) throws SyscallException {
        return store.deleteSpace(caller, space);
    }

    @Override
    public List<SpaceInfo> spaces() {
        return store.spaces();
    }

    @Override
    public Optional<SpaceInfo> space(String space) {
        return store.space(space);
    }

    @Override
    public List<MemUsage> usage() {
        return store.usage();
    }

    @Override
    public void processStarted(long pid, String owner) {
        store.processStarted(pid, owner);
    }

    @Override
    public void fork(long parent, long child, String childOwner) throws SyscallException {
        store.fork(parent, child, childOwner);
    }

    @Override
    public List<String> processExited(long pid) {
        return store.processExited(pid);
    }

    @Override
    public void setTokenBudget(long pid, long tokens) {
        store.setTokenBudget(pid, tokens);
    }

    @Override
    public List<MemEntry> recall(MemCaller caller, String query, int limit) throws SyscallException {
        return store.recall(caller, query, limit);
    }

    @Override
    public boolean tryLock(MemCaller caller, String space, String name) throws SyscallException {
        return store.tryLock(caller, space, name);
    }

    @Override
    public void unlock(MemCaller caller, String space, String name) throws SyscallException {
        store.unlock(caller, space, name);
    }

    @Override
    public boolean trySemAcquire(MemCaller caller, String space, String name, int permits, int initial)
            throws SyscallException {
        return store.trySemAcquire(caller, space, name, permits, initial);
    }

    @Override
    public void semRelease(MemCaller caller, String space, String name, int permits) throws SyscallException {
        store.semRelease(caller, space, name, permits);
    }

    @Override
    public long reclaim(long bytes, List<Long> victims) {
        return store.reclaim(bytes, victims);
    }

    @Override
    public MemoryState exportState() {
        return store.exportState();
    }

    @Override
    public void importState(MemoryState state) {
        store.importState(state);
    }
}
