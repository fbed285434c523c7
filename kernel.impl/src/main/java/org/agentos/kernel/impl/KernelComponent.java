package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.cluster.QueueMirror;
import org.agentos.kernel.api.cluster.RemoteCalls;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.AgentImages;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.GroupCut;
import org.agentos.kernel.api.image.MemberImage;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.security.CapabilityCeilings;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.SyscallMetrics;
import org.agentos.kernel.api.telemetry.SyscallObserver;
import org.agentos.kernel.api.telemetry.SystemMetrics;
import org.agentos.kernel.impl.debug.Debugger;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.resource.MemoryGovernor;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.agentos.kernel.impl.syscall.GatewayFactory;
import org.agentos.kernel.impl.syscall.Replay;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The kernel bundle's main component: runs a {@link Kernel} and connects it to the service
 * registry: the HAL it sizes itself from, the highest-ranked {@link Scheduler}, and every
 * {@link Program} and {@link Tool} service, which come and go at runtime. Publishes the kernel
 * as {@link ProcessManager}, {@link AuditLog}, {@link Subsystems} and {@link MessageQueues}.
 */
@Component(service = {ProcessManager.class, AuditLog.class, Subsystems.class, MessageQueues.class, KernelMemory.class,
        SpawnDefaults.class, KernelJournal.class, KernelDebugger.class, AgentImages.class, KernelMetrics.class},
        immediate = true,
        configurationPid = "org.agentos.kernel",
        // Privileged: the permission registry's hooks hide these services from bundles without kernel.admin.
        property = KernelPermission.SERVICE_PROPERTY + "=" + KernelPermission.KERNEL_ADMIN)
@Designate(ocd = KernelConfig.class)
public class KernelComponent implements ProcessManager, AuditLog, Subsystems, MessageQueues, KernelMemory, SpawnDefaults,
        KernelJournal, KernelDebugger, AgentImages, KernelMetrics {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KernelComponent.class);

    private final Object lock = new Object();
    // What is registered, kept here too, so that a kernel restarted for new settings gets it all.
    private final Map<Program<?>, String> programs = new java.util.LinkedHashMap<>();
    private final Map<Tool, Bundle> tools = new java.util.LinkedHashMap<>();
    /** Syscall observers and their bundles: told of calls only while the bundle holds kernel.admin. */
    private final Map<SyscallObserver, Bundle> observers = new java.util.LinkedHashMap<>();
    /** Tools whose bundle does not hold tool.provide: bound by SCR, kept out of the syscall table. */
    private final Set<Tool> refusedTools = new java.util.HashSet<>();
    private final Map<ServiceReference<?>, String> schedulers = new ConcurrentSkipListMap<>(Comparator.reverseOrder());
    private final Map<ServiceReference<?>, String> hals = new ConcurrentSkipListMap<>(Comparator.reverseOrder());
    private volatile Kernel kernel;
    private volatile Scheduler boundScheduler;
    private volatile ServiceReference<?> boundSchedulerRef;
    private volatile MemoryManager boundMemory;
    private volatile ServiceReference<?> boundMemoryRef;
    private final Map<ServiceReference<?>, String> memories = new ConcurrentSkipListMap<>(Comparator.reverseOrder());

    private Hal hal;
    private String halBundle;
    private ServiceRegistration<SyscallGateway> gateway;
    private ServiceRegistration<EventHandler> eventHandler;
    private final Runnable grantsChanged = this::recheckTools;
    /**
     * Framework shutdown: the system bundle says STOPPING before any other bundle stops, so the
     * kernel quiesces and checkpoints while the bundles whose tools its processes are calling
     * are still there (Karaf stops bundles of one start level in reverse install order: the VFS
     * before the kernel).
     */
    private final SynchronousBundleListener shutdownListener = event -> {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            Kernel k = kernel;
            if (k != null) k.quiesce(Kernel.QUIESCE_MILLIS);
        }
    };
    private BundleContext context;

    /** Grants between bundles; its service hooks are in place before the kernel's services are registered. */
    @Reference
    PermissionRegistry permissions;

    /** What console users may grant: a restore by one is held to it. */
    @Reference
    CapabilityCeilings ceilings;

    /**
     * Static and greedy: a different HAL means a different machine model, so the kernel restarts
     * (checkpoint, restore) when {@code kernel:swap hal} or a higher-ranked HAL changes it.
     */
    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    void bindHal(Hal hal, ServiceReference<Hal> ref) {
        this.hal = hal;
        this.halBundle = bundleOf(ref);
    }

    @Activate
    void activate(KernelConfig config, BundleContext context) {
        this.context = context;
        context.addBundleListener(shutdownListener);
        KernelSettings settings = settings(config, context);
        synchronized (lock) {
            kernel = newKernel(settings);
            applyLiveSettings(kernel, config);
        }
        kernel.start();
        permissions.setAuditSink(new PermissionRegistry.AuditSink() {
            @Override
            public void denied(Bundle b, String perm) {
                Kernel k = kernel;
                if (k != null) k.auditDenial(b.getSymbolicName(), perm, "a privileged service was hidden from it");
            }

            @Override
            public void changed(String event, String entry, Set<String> perms, String by) {
                Kernel k = kernel;
                if (k != null) k.auditPermissionChange(event, entry, perms, by);
            }
        });
        permissions.onChange(grantsChanged);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(KernelPermission.SERVICE_PROPERTY, KernelPermission.SYSCALL_GATEWAY);
        gateway = context.registerService(SyscallGateway.class, new GatewayFactory(() -> kernel, permissions), props);
        // Events under org/agentos/ (the kernel's, the VFS's, any bundle's) reach agents that subscribed.
        // Not a privileged service: EventAdmin itself must see it.
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, "org/agentos/*");
        eventHandler = context.registerService(EventHandler.class, event -> {
            Kernel k = kernel;
            if (k == null || !k.ipc.events.hasSubscribers()) return;
            Map<String, Object> properties = new java.util.HashMap<>();
            for (String name : event.getPropertyNames()) properties.put(name, event.getProperty(name));
            k.ipc.events.publish(event.getTopic(), properties);
        }, topics);
    }

    /**
     * The settings applied without a restart (owner limits, memory-pressure policy). A bad value is
     * logged and the previous one kept: the kernel must not fail to start over it.
     */
    private static void applyLiveSettings(Kernel k, KernelConfig c) {
        try {
            k.setMaxProcessesPerOwner(c.maxProcessesPerOwner());
            k.checkpoints.holdAtRestore(c.recoverHeld());
            k.setAuditRecordsPerOwner(c.auditRecordsPerOwner());
            if (c.pidFloor() < 0) throw new IllegalArgumentException("pidFloor " + c.pidFloor() + " is negative");
            if (c.pidFloor() > 0) k.procs.pidsFrom(c.pidFloor());
        } catch (IllegalArgumentException e) {
            LOG.error("EINVAL: {} (PID org.agentos.kernel); keeping the previous limits", e.getMessage());
        }
        try {
            k.memory.setPolicy(new MemoryGovernor.Policy(c.memoryPollMillis(), c.memoryThrottleAt(), c.memoryPauseAt(),
                    c.memoryRecoverBelow(), c.memoryThrottleNice(), c.memoryThrottleMillis()));
        } catch (IllegalArgumentException e) {
            LOG.error("EINVAL: {} (PID org.agentos.kernel); keeping {}", e.getMessage(), k.memory.policy());
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin eventAdmin;

    /** The filesystem a whole-agent fork gets a workspace of its own from. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FileSystem files;

    /** Queues other nodes of the cluster hold, where ipc.* calls on a name this node lacks go (the cluster bundle). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile RemoteCalls remoteQueues;

    /** Where durable queues are kept in the cluster as well (the cluster bundle). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile QueueMirror queueMirror;

    /** Memory-pressure changes as OSGi events, for anyone who subscribes (and for IPC later). */
    private void publish(Map<String, Object> properties) {
        EventAdmin ea = eventAdmin;
        if (ea != null) ea.postEvent(new Event(PRESSURE_TOPIC, properties));
    }

    /** The kernel's events (process spawned/exited, quota, tools) as OSGi events, when EventAdmin is there. */
    private void post(String topic, Map<String, Object> properties) {
        EventAdmin ea = eventAdmin;
        if (ea != null) ea.postEvent(new Event(topic, properties));
    }

    /** Topic of memory-pressure level changes. */
    public static final String PRESSURE_TOPIC = "org/agentos/memory/PRESSURE";

    /**
     * A configuration change. A new {@code Scheduler.target} filter (set by kernel:swap) is applied
     * by SCR itself, by rebinding the scheduler reference: the kernel keeps running. Changed kernel
     * settings restart the kernel in place: checkpoint, stop, start, restore.
     */
    @Modified
    void modified(KernelConfig config, BundleContext context) {
        KernelSettings settings = settings(config, context);
        Kernel old;
        Kernel fresh;
        synchronized (lock) {
            old = kernel;
            if (old != null && old.settings.withLlmConcurrency(settings.llmConcurrency())
                    .withByteRates(settings.ioBytesPerSecond(), settings.netBytesPerSecond()).equals(settings)) {
                old.setResourceLimits(settings.llmConcurrency(), settings.ioBytesPerSecond(), settings.netBytesPerSecond());
                applyLiveSettings(old, config);
                return;
            }
            if (old != null) old.stop();
            fresh = newKernel(settings);
            applyLiveSettings(fresh, config);
            kernel = fresh;
        }
        fresh.start();
    }

    private static KernelSettings settings(KernelConfig config, BundleContext context) {
        Path dataDir;
        if (!config.dataDir().isBlank()) {
            dataDir = Path.of(config.dataDir());
        } else if (System.getProperty("karaf.data") != null) {
            dataDir = Path.of(System.getProperty("karaf.data"), "agentos");
        } else {
            File f = context.getDataFile("agentos");
            dataDir = f == null ? null : f.toPath();
        }
        return new KernelSettings(config.workers(), config.stepTimeoutMillis(),
                config.checkpointMillis(), config.zombieRetention(), config.auditFsync(),
                (long) config.auditSegmentMiB() << 20, config.auditSegments(), splitCommas(config.defaultCapabilities()),
                config.ioThreads(), config.retries(), dataDir, config.llmConcurrency(), config.ioBytesPerSecond(),
                config.netBytesPerSecond(), config.bootGraceMillis(),
                java.util.concurrent.TimeUnit.DAYS.toMillis(Math.max(0, config.auditRetentionDays())),
                java.util.concurrent.TimeUnit.HOURS.toMillis(Math.max(0, config.journalRetentionHours())));
    }

    /** A kernel with everything registered so far. Caller holds the lock. */
    private Kernel newKernel(KernelSettings settings) {
        Kernel k = new Kernel(hal, settings);
        if (context != null) k.images.setKernelVersion(context.getBundle().getVersion().toString());
        k.images.setCeilings(ceilings);
        k.images.setFiles(() -> files);
        k.ipc.elsewhere.setRemote(() -> remoteQueues);
        k.ipc.setMirror(() -> queueMirror);
        k.memory.setEventSink(this::publish);
        k.setEventSink(this::post);
        programs.forEach(k::addProgram);
        // Tools bound before activation are judged here: the permission registry (a static
        // reference) is only sure to be bound once the component activates.
        refusedTools.clear();
        tools.forEach((tool, bundle) -> {
            if (permissions.holds(bundle, KernelPermission.TOOL_PROVIDE)) k.addTool(tool, bundle.getSymbolicName());
            else refuse(tool, bundle, k);
        });
        observers.forEach((o, bundle) -> observe(k, o, bundle));
        if (boundScheduler != null) k.setScheduler(boundScheduler, bundleOf(boundSchedulerRef));
        if (boundMemory != null) k.setMemoryManager(boundMemory, bundleOf(boundMemoryRef));
        return k;
    }

    /** A .cfg file gives "a, b" as one string; the web console gives an array. Accept both. */
    private static List<String> splitCommas(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) out.add(part.strip());
            }
        }
        return out;
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeBundleListener(shutdownListener);
        } catch (IllegalStateException stopping) {
            // the framework drops a stopping bundle's listeners itself
        }
        permissions.removeOnChange(grantsChanged);
        permissions.setAuditSink(null);
        if (eventHandler != null) {
            try {
                eventHandler.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered with the bundle
            }
            eventHandler = null;
        }
        if (gateway != null) {
            try {
                gateway.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters a stopping bundle's services itself
            }
            gateway = null;
        }
        Kernel k;
        synchronized (lock) {
            k = kernel;
            kernel = null;
        }
        if (k != null) k.stop();
    }

    // ------------------------------------------------------------------ dynamic references

    private boolean shuttingDown() {
        BundleContext c = context;
        if (c == null) return false;
        try {
            Bundle system = c.getBundle(0);
            return system != null && system.getState() == Bundle.STOPPING;
        } catch (IllegalStateException stale) {
            return true;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindProgram(Program<?> program, ServiceReference<?> ref) {
        synchronized (lock) {
            programs.put(program, versionedBundleOf(ref));
            if (kernel != null) kernel.addProgram(program, versionedBundleOf(ref));
        }
    }

    void unbindProgram(Program<?> program) {
        synchronized (lock) {
            programs.remove(program);
            if (kernel != null) kernel.removeProgram(program);
        }
    }

    /**
     * A tool enters the syscall table only when its bundle holds {@code tool.provide}; otherwise it
     * waits, refused and audited, until an administrator grants it (or goes when a grant is revoked).
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindTool(Tool tool, ServiceReference<?> ref) {
        Bundle bundle = ref.getBundle();
        if (bundle == null) return; // unregistered meanwhile
        synchronized (lock) {
            tools.put(tool, bundle);
            if (kernel == null) return; // judged when the kernel starts
            if (permissions.holds(bundle, KernelPermission.TOOL_PROVIDE)) kernel.addTool(tool, bundle.getSymbolicName());
            else refuse(tool, bundle, kernel);
        }
    }

    void unbindTool(Tool tool) {
        synchronized (lock) {
            tools.remove(tool);
            refusedTools.remove(tool);
            if (kernel != null && shuttingDown()) kernel.quiesce(Kernel.QUIESCE_MILLIS); // in case the STOPPING event was missed
            if (kernel != null) kernel.removeTool(tool);
        }
    }

    /** Caller holds the lock. */
    private void refuse(Tool tool, Bundle bundle, Kernel k) {
        refusedTools.add(tool);
        String name;
        try {
            name = tool.descriptor().name();
        } catch (RuntimeException e) {
            name = "a tool";
        }
        LOG.warn("tool {} from bundle {} is not in the syscall table: the bundle does not hold permission {} "
                + "(perm:grant {} {})", name, bundle.getSymbolicName(), KernelPermission.TOOL_PROVIDE,
                bundle.getSymbolicName(), KernelPermission.TOOL_PROVIDE);
        k.auditDenial(bundle.getSymbolicName(), KernelPermission.TOOL_PROVIDE, "tool " + name + " refused");
    }

    /**
     * A syscall observer sees every tenant's arguments and results: it is told of calls only while
     * its bundle holds {@code kernel.admin} (a grant or revoke takes effect at once).
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindObserver(SyscallObserver observer, ServiceReference<?> ref) {
        Bundle bundle = ref.getBundle();
        if (bundle == null) return;
        synchronized (lock) {
            observers.put(observer, bundle);
            if (kernel != null) observe(kernel, observer, bundle);
        }
    }

    void unbindObserver(SyscallObserver observer) {
        synchronized (lock) {
            observers.remove(observer);
            if (kernel != null) kernel.telemetry.removeObserver(observer);
        }
    }

    /** Caller holds the lock. */
    private void observe(Kernel k, SyscallObserver observer, Bundle bundle) {
        if (permissions.holds(bundle, KernelPermission.KERNEL_ADMIN)) {
            k.telemetry.addObserver(observer);
            return;
        }
        k.telemetry.removeObserver(observer);
        LOG.warn("syscall observer {} of bundle {} is not told of calls: the bundle does not hold permission {}",
                observer.getClass().getName(), bundle.getSymbolicName(), KernelPermission.KERNEL_ADMIN);
        k.auditDenial(bundle.getSymbolicName(), KernelPermission.KERNEL_ADMIN, "syscall observer refused");
    }

    /** Grants changed: admit tools whose bundle now holds tool.provide, remove those whose bundle lost it. */
    private void recheckTools() {
        synchronized (lock) {
            if (kernel == null) return;
            observers.forEach((o, bundle) -> {
                if (permissions.holds(bundle, KernelPermission.KERNEL_ADMIN)) kernel.telemetry.addObserver(o);
                else kernel.telemetry.removeObserver(o);
            });
            for (Map.Entry<Tool, Bundle> e : tools.entrySet()) {
                Tool tool = e.getKey();
                boolean held = permissions.holds(e.getValue(), KernelPermission.TOOL_PROVIDE);
                boolean refused = refusedTools.contains(tool);
                if (held && refused) {
                    refusedTools.remove(tool);
                    kernel.addTool(tool, e.getValue().getSymbolicName());
                } else if (!held && !refused) {
                    kernel.removeTool(tool);
                    refuse(tool, e.getValue(), kernel);
                }
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindScheduler(Scheduler s, ServiceReference<?> ref) {
        synchronized (lock) {
            boundScheduler = s;
            boundSchedulerRef = ref;
            if (kernel != null) kernel.setScheduler(s, bundleOf(ref));
        }
    }

    void unbindScheduler(Scheduler s) {
        synchronized (lock) {
            if (boundScheduler != s) return; // a greedy rebind already replaced it
            boundScheduler = null;
            boundSchedulerRef = null;
            if (kernel != null) kernel.setScheduler(null, null);
        }
    }

    /**
     * The memory manager: the highest-ranked, or the one {@code MemoryManager.target} names
     * (kernel:swap memory). A replacement takes over the old one's spaces (quiesce, export,
     * import); one that leaves with no successor leaves its spaces with the kernel for the next.
     */
    @Reference(name = "MemoryManager", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMemoryManager(MemoryManager m, ServiceReference<?> ref) {
        synchronized (lock) {
            boundMemory = m;
            boundMemoryRef = ref;
            if (kernel != null) kernel.setMemoryManager(m, bundleOf(ref));
        }
    }

    void unbindMemoryManager(MemoryManager m) {
        synchronized (lock) {
            if (boundMemory != m) return; // a greedy rebind already replaced it
            boundMemory = null;
            boundMemoryRef = null;
            if (kernel != null) kernel.mem.unbind(m);
        }
    }

    @Reference(service = MemoryManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMemoryCandidate(ServiceReference<MemoryManager> ref) {
        memories.put(ref, describe(ref));
    }

    void removeMemoryCandidate(ServiceReference<MemoryManager> ref) {
        memories.remove(ref);
    }

    /** Every registered scheduler, for kernel:subsystems; the bound one is tracked above. */
    @Reference(service = Scheduler.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSchedulerCandidate(ServiceReference<Scheduler> ref) {
        schedulers.put(ref, describe(ref));
    }

    void removeSchedulerCandidate(ServiceReference<Scheduler> ref) {
        schedulers.remove(ref);
    }

    @Reference(service = Hal.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHalCandidate(ServiceReference<Hal> ref) {
        hals.put(ref, describe(ref));
    }

    void removeHalCandidate(ServiceReference<Hal> ref) {
        hals.remove(ref);
    }

    private static String describe(ServiceReference<?> ref) {
        Object name = ref.getProperty("agentos.subsystem.name");
        return (name == null ? "service " + ref.getProperty(Constants.SERVICE_ID) : name.toString())
                + " (" + bundleOf(ref) + ")";
    }

    /** "symbolic-name/version": what agent:programs and an agent's image say provides a program. */
    private static String versionedBundleOf(ServiceReference<?> ref) {
        return ref == null || ref.getBundle() == null ? "unknown"
                : ref.getBundle().getSymbolicName() + "/" + ref.getBundle().getVersion();
    }

    private static String bundleOf(ServiceReference<?> ref) {
        return ref == null || ref.getBundle() == null ? "unknown" : ref.getBundle().getSymbolicName();
    }

    // ------------------------------------------------------------------ Subsystems

    @Override
    public String bound(String subsystem) {
        Kernel k = kernel;
        if (k == null) return null;
        return switch (subsystem == null ? "" : subsystem) {
            case "scheduler" -> {
                Scheduler s = k.scheduler();
                yield s == null ? null : s.name();
            }
            case "hal" -> k.hal.name();
            case "memory" -> {
                MemoryManager mm = k.mem.manager();
                yield mm == null ? null : mm.name();
            }
            default -> null;
        };
    }

    @Override
    public List<SubsystemBinding> bindings() {
        int refused;
        synchronized (lock) {
            refused = refusedTools.size();
        }
        return SubsystemReport.of(kernel(), hal, halBundle, schedulers.values(), hals.values(), memories.values(), refused);
    }

    // ------------------------------------------------------------------ delegation

    private Kernel kernel() {
        Kernel k = kernel;
        if (k == null) throw new IllegalStateException("the kernel is not running");
        return k;
    }

    @Override
    public long spawn(SpawnSpec spec) throws SyscallException {
        return kernel().spawn(spec);
    }

    @Override
    public long spawnFor(RemoteCaller caller, SpawnSpec spec) throws SyscallException {
        return kernel().spawnFor(caller, spec);
    }

    @Override
    public List<String> defaultCapabilities() {
        return kernel().settings.defaultCapabilities();
    }

    @Override
    public void pause(long pid) throws SyscallException {
        kernel().pause(pid);
    }

    @Override
    public void resume(long pid) throws SyscallException {
        kernel().resume(pid);
    }

    @Override
    public void terminate(long pid) throws SyscallException {
        kernel().terminate(pid);
    }

    @Override
    public void kill(long pid) throws SyscallException {
        kernel().kill(pid);
    }

    @Override
    public CompletionStage<ExitStatus> awaitExit(long pid) throws SyscallException {
        return kernel().awaitExit(pid);
    }

    @Override
    public Optional<ProcessInfo> info(long pid) {
        return kernel().info(pid);
    }

    @Override
    public List<ProcessInfo> list(int limit) {
        return kernel().list(limit);
    }

    @Override
    public ProcessListing list(ProcessQuery query) {
        return kernel().list(query);
    }

    @Override
    public int count() {
        return kernel().count();
    }

    @Override
    public List<ProgramInfo> programs() {
        return kernel().programs();
    }

    @Override
    public List<AuditRecord> read(AuditQuery query) {
        return kernel().read(query);
    }

    @Override
    public void sync() {
        kernel().sync();
    }

    @Override
    public void record(String name, String outcome, String owner, String detail) {
        kernel().record(name, outcome, owner, detail);
    }

    // ------------------------------------------------------------------ KernelJournal

    @Override
    public List<JournalRecord> records(long pid) throws SyscallException {
        Kernel k = kernel();
        if (k.journal == null) throw new SyscallException(Errno.ENOSYS, "the kernel keeps no state on disk, so no call journal");
        try {
            return k.journaling.of(pid);
        } catch (java.io.IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read the call journal: " + e.getMessage());
        }
    }

    @Override
    public Replay.Report replay(long pid, String program, long maxSteps) throws SyscallException {
        Kernel k = kernel();
        if (k.journal == null) throw new SyscallException(Errno.ENOSYS, "the kernel keeps no state on disk, so no call journal");
        return k.replay.run(pid, program, maxSteps);
    }

    // ------------------------------------------------------------------ KernelDebugger

    @Override
    public Debugger.Breakpoint addBreak(long pid, String spec) throws SyscallException {
        return kernel().debugger.addBreak(pid, spec);
    }

    @Override
    public boolean deleteBreak(int id) {
        return kernel().debugger.deleteBreak(id);
    }

    @Override
    public List<Debugger.Breakpoint> breakpoints(Long pid) {
        return kernel().debugger.breakpoints(pid);
    }

    @Override
    public void stepOnce(long pid) throws SyscallException {
        kernel().debugger.stepOnce(pid);
    }

    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode state(long pid) throws SyscallException {
        return kernel().debugger.state(pid);
    }

    @Override
    public AutoCloseable trace(long pid, java.util.function.Consumer<Debugger.TraceEvent> sink) throws SyscallException {
        return kernel().debugger.trace(pid, sink);
    }

    @Override
    public long forkAt(long pid, long step, com.fasterxml.jackson.databind.JsonNode result) throws SyscallException {
        return kernel().debugger.forkAt(pid, step, result);
    }

    @Override
    public org.agentos.kernel.impl.debug.Top.Sample top() {
        return kernel().top.sample();
    }

    // ------------------------------------------------------------------ AgentImages

    @Override
    public AgentCut cut(long pid, CutOptions options, WhileHeld whileHeld) throws SyscallException {
        return kernel().images.cut(pid, options, whileHeld);
    }

    @Override
    public GroupCut cutGroup(java.util.List<Long> pids, CutOptions options, WhileHeld whileHeld) throws SyscallException {
        return kernel().images.cutGroup(pids, options, whileHeld);
    }

    @Override
    public java.util.List<Long> restoreGroup(java.util.List<MemberImage> members, java.util.List<QueueImage> queues,
                                             RestoreSpec spec) throws SyscallException {
        return kernel().images.restoreGroup(members, queues, spec);
    }

    @Override
    public AgentCut cutSelf(long pid, com.fasterxml.jackson.databind.JsonNode resultOfCopy, WhileHeld whileHeld)
            throws SyscallException {
        return kernel().images.cutSelf(pid, resultOfCopy, whileHeld);
    }

    @Override
    public int restoreHeld(long pid, java.util.List<QueueImage> held) throws SyscallException {
        return kernel().images.restoreHeld(pid, held);
    }

    @Override
    public boolean restoreShared(org.agentos.kernel.api.image.SharedImage shared, RestoreSpec spec) throws SyscallException {
        return kernel().images.restoreShared(shared, spec);
    }

    @Override
    public long fork(long pid, long timeoutMillis, boolean paused) throws SyscallException {
        return kernel().images.fork(pid, timeoutMillis, paused);
    }

    @Override
    public long restore(ProcessImage image, Iterable<MemoryImageEntry> memory, RestoreSpec spec) throws SyscallException {
        return kernel().images.restore(image, memory, spec);
    }

    // ------------------------------------------------------------------ KernelMemory

    @Override
    public MemoryManager bound() throws SyscallException {
        return kernel().mem.require();
    }

    @Override
    public void deleteSpace(String user, String space) throws SyscallException {
        kernel().mem.deleteSpace(org.agentos.kernel.api.memory.MemCaller.operator(user), space);
    }

    /** Where kernel:swap and the web view keep a subsystem choice (the kernel's own configuration). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Override
    public String choose(String subsystem, String implementation) throws SyscallException {
        org.osgi.service.cm.ConfigurationAdmin ca = configAdmin;
        if (ca == null) throw new SyscallException(org.agentos.kernel.api.syscall.Errno.ENOSYS, "ConfigurationAdmin is not running");
        return SubsystemChoice.choose(ca, this, subsystem, implementation);
    }

    // ------------------------------------------------------------------ KernelMetrics

    @Override
    public List<SyscallMetrics> syscalls() {
        return kernel().telemetry.syscalls();
    }

    @Override
    public SystemMetrics system() {
        return kernel().telemetry.system();
    }

    @Override
    public List<org.agentos.kernel.api.telemetry.ProcessCounters> processes() {
        return kernel().telemetry.processes();
    }

    // ------------------------------------------------------------------ MessageQueues

    @Override
    public List<QueueStats> queues() {
        return kernel().ipc.queues();
    }

    @Override
    public Optional<QueueStats> stats(String queue) {
        return kernel().ipc.stats(queue);
    }

    @Override
    public QueueStats create(QueueSpec spec, String owner) throws SyscallException {
        return kernel().ipc.create(spec, owner);
    }

    @Override
    public void delete(String queue) throws SyscallException {
        kernel().ipc.delete(queue);
    }

    @Override
    public List<Message> peek(String queue, int max) throws SyscallException {
        return kernel().ipc.peek(queue, max);
    }

    @Override
    public List<Message> deadLetters(String queue, int max) throws SyscallException {
        return kernel().ipc.deadLetters(queue, max);
    }

    @Override
    public int redrive(String queue, int max) throws SyscallException {
        return kernel().ipc.redrive(queue, max);
    }

    @Override
    public QueueStats restore(org.agentos.kernel.api.image.QueueImage image) throws SyscallException {
        return kernel().ipc.restore(image);
    }

    @Override
    public Message send(String queue, com.fasterxml.jackson.databind.JsonNode payload, String key) throws SyscallException {
        return kernel().ipc.send(queue, payload, key);
    }

    @Override
    public CompletionStage<SyscallResult> callFrom(RemoteCaller caller, String call, JsonNode args) {
        return kernel().ipc.callFrom(caller, call, args);
    }
}
