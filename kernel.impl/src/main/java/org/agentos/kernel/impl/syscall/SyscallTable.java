package org.agentos.kernel.impl.syscall;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The syscall table: bundles' tools and the kernel's own calls by name, and the boot grace
 * period, during which a restored process's call to a syscall whose bundle has not come back yet
 * waits for it (READY, off the run queue) instead of failing with ENOSYS.
 */
public final class SyscallTable {
    private static final Logger LOG = LoggerFactory.getLogger(SyscallTable.class);

    private final Kernel k;
    private final ConcurrentHashMap<String, SyscallEntry> byName = new ConcurrentHashMap<>();

    /** Held at a call whose syscall is not registered yet, during the boot grace period. */
    private final Set<Proc> waitingForSyscall = ConcurrentHashMap.newKeySet();

    /** Until the boot grace period ends, a call to a syscall not registered yet waits for its bundle. */
    private volatile boolean booting;

    /** Syscalls bundles registered before: during the boot grace period a call to one of them waits for its bundle. */
    private final KnownSyscalls knownSyscalls;

    public SyscallTable(Kernel k) {
        this.k = k;
        this.knownSyscalls = new KnownSyscalls(k.settings.dataDir());
    }

    /** Adds a bundle's tool to the syscall table; refused when the name is taken. */
    public boolean addTool(Tool tool, String bundle) {
        ToolDescriptor d;
        SyscallEntry e;
        try {
            d = tool.descriptor();
            e = new SyscallEntry(d, tool, bundle);
        } catch (RuntimeException ex) {
            LOG.error("tool from {} refused: bad descriptor: {}", bundle, ex.getMessage());
            return false;
        }
        SyscallEntry prev = byName.putIfAbsent(e.name, e);
        if (prev != null) {
            LOG.error("tool '{}' from {} refused: {} already provides that syscall", e.name, bundle, prev.provider);
            return false;
        }
        k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "tool.add", AuditRecord.OK, 0,
                e.name + " from " + bundle, null, null);
        knownSyscalls.remember(e.name);
        wakeSyscallWaiters(e.name);
        k.post(Kernel.TOPIC_TOOL_ADDED, Map.of("name", e.name, "bundle", bundle));
        return true;
    }

    /**
     * Takes a bundle's tool out of the syscall table. Calls of it still running end at once with
     * {@code ENOSYS} (their tool thread is interrupted): a caller never waits on a bundle that has gone.
     */
    public void removeTool(Tool tool) {
        for (SyscallEntry e : byName.values()) {
            if (e.tool == tool && byName.remove(e.name, e)) {
                e.removed = true;
                int ended = 0;
                boolean keep = k.quiescing();
                for (InFlightCall call : e.inFlight) {
                    // Shutting down: the caller keeps the call and makes it again after the restart.
                    if (keep ? call.cancel(false) : call.abandon(ToolRunner.uninstalled(e))) ended++;
                }
                k.audit.append(k.hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "tool.remove", AuditRecord.OK,
                        0, e.name + " from " + e.provider + (ended == 0 ? "" : keep
                                ? "; " + ended + " calls in flight kept to be made again after the restart"
                                : "; " + ended + " calls in flight ended with ENOSYS"),
                        null, null);
                k.post(Kernel.TOPIC_TOOL_REMOVED, Map.of("name", e.name, "bundle", e.provider));
            }
        }
    }

    /** One of the kernel's own calls that never parks its caller. */
    public SyscallEntry addKernelCall(ToolDescriptor d, SyscallEntry.KernelCall call) {
        SyscallEntry e = new SyscallEntry(d, (p, a, outside) -> call.call(p, a), SyscallEntry.Blocking.NEVER);
        byName.put(d.name(), e);
        return e;
    }

    /** A kernel call that parks a program's process when it must wait; a caller from outside is told so. */
    public SyscallEntry addParkingKernelCall(ToolDescriptor d, SyscallEntry.ParkingCall call) {
        SyscallEntry e = new SyscallEntry(d, call, SyscallEntry.Blocking.WHEN_PROGRAM);
        byName.put(d.name(), e);
        return e;
    }

    /** A kernel call whose point is to end its caller's step (proc.yield); it never parks. */
    public SyscallEntry addYieldingKernelCall(ToolDescriptor d, SyscallEntry.KernelCall call) {
        SyscallEntry e = new SyscallEntry(d, (p, a, outside) -> call.call(p, a), SyscallEntry.Blocking.YIELDS);
        byName.put(d.name(), e);
        return e;
    }

    /** A kernel call that parks its process until something happens: only the process itself may make it. */
    public SyscallEntry addBlockingKernelCall(ToolDescriptor d, SyscallEntry.KernelCall call) {
        SyscallEntry e = new SyscallEntry(d, (p, a, outside) -> call.call(p, a), SyscallEntry.Blocking.ALWAYS);
        byName.put(d.name(), e);
        return e;
    }

    /** The descriptors of the syscall table, sorted by name: what {@code tool:list} and the gateway show. */
    public List<ToolDescriptor> descriptors() {
        List<ToolDescriptor> out = new ArrayList<>();
        for (SyscallEntry e : sorted()) out.add(e.descriptor);
        return out;
    }

    /** The descriptor of syscall {@code name}, or null. */
    public ToolDescriptor descriptor(String name) {
        SyscallEntry e = name == null ? null : byName.get(name);
        return e == null ? null : e.descriptor;
    }

    /** The bundle providing syscall {@code name} ("kernel" for its own), or null. */
    public String provider(String name) {
        SyscallEntry e = name == null ? null : byName.get(name);
        return e == null ? null : e.provider;
    }

    /** The entry of syscall {@code name}, or null. */
    public SyscallEntry get(String name) {
        return byName.get(name);
    }

    /** The entries sorted by name. */
    public List<SyscallEntry> sorted() {
        List<SyscallEntry> all = new ArrayList<>(byName.values());
        all.sort(Comparator.comparing(e -> e.name));
        return all;
    }

    /**
     * During the boot grace period, {@code p} asked for syscall {@code name}, which no bundle has
     * registered yet (restored processes run before the bundles that provide their tools): it
     * waits READY, off the run queue, with the call held, until the syscall appears or the grace
     * period ends. Holds p.
     */
    public void holdUntilSyscallLocked(Proc p, String name) {
        p.state = ProcessState.READY;
        p.waitingOn = "syscall '" + name + "' to be registered (boot)";
    }

    public boolean awaitsBundle(String name) {
        return booting && knownSyscalls.contains(name);
    }

    /** Registers {@code p} as waiting, after {@link #holdUntilSyscallLocked}; wakes it if the syscall came meanwhile. */
    public void awaitSyscall(Proc p, String name) {
        waitingForSyscall.add(p);
        if (byName.containsKey(name) || !booting) wakeSyscallWaiters(name);
    }

    /** Makes processes waiting for syscall {@code name} (null: all) READY again: they make their call now. */
    private void wakeSyscallWaiters(String name) {
        if (waitingForSyscall.isEmpty()) return;
        for (Proc p : waitingForSyscall) {
            synchronized (p) {
                if (name != null && !name.equals(p.callName)) continue;
                waitingForSyscall.remove(p);
                if (p.state == ProcessState.READY && !p.queued) {
                    p.waitingOn = null;
                    k.stepper.enqueueLocked(p);
                }
            }
        }
    }

    /**
     * After a restart with processes restored: until {@code graceMillis} have passed, a call to a
     * syscall some bundle registered before waits for that bundle instead of failing with ENOSYS.
     */
    public void bootStarted(boolean restored, long graceMillis) {
        booting = restored && graceMillis > 0;
        if (booting) k.timers.schedule(this::bootGraceOver, graceMillis, TimeUnit.MILLISECONDS);
    }

    private void bootGraceOver() {
        booting = false;
        if (!waitingForSyscall.isEmpty()) {
            LOG.warn("boot grace period over: {} processes still wait for byName no bundle registered; their calls fail "
                    + "with ENOSYS", waitingForSyscall.size());
        }
        wakeSyscallWaiters(null);
    }

    public Iterable<SyscallEntry> entries() {
        return byName.values();
    }

    /** {@code p} ended: it no longer waits for a syscall. */
    public void forget(Proc p) {
        waitingForSyscall.remove(p);
    }
}
