package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel core, free of OSGi so that tests and benchmarks drive it directly: the process
 * table, the process lifecycle, syscall mediation, accounting, the audit log and checkpoints.
 * {@code KernelComponent} wires it to the OSGi service registry.
 *
 * <p>Locking: each {@link Proc}'s monitor guards its state; {@link #tree} guards parent/child
 * links. The tree lock is always taken before a process lock, never after.
 */
public final class Kernel implements ProcessManager, AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);
    static final String INIT = "init";

    record ProgramEntry(Program<Object> program, String bundle) {}

    final Hal hal;
    final KernelSettings settings;
    final ObjectMapper json;
    private final ConcurrentHashMap<String, ProgramEntry> programs = new ConcurrentHashMap<>();
    private final Set<Proc> waitingForProgram = ConcurrentHashMap.newKeySet();
    /** Set once the framework shuts down: tool calls a departing bundle leaves are kept for the restart. */
    private volatile boolean quiescing;
    private final CapabilitySet defaultCaps;
    final AuditWriter audit;
    final MemoryGovernor memory = new MemoryGovernor(this);
    /** The mediation path every syscall takes. */
    final Mediator mediator = new Mediator(this);
    /** How a program's process waits for its call and how the wait ends. */
    final ParkedCalls parked = new ParkedCalls(this);
    /** LLM gates, byte rates and the byte quota. */
    final Resources resources;
    /** Tools that are not CPU-bound: the I/O executor, timeouts, retries. */
    final ToolRunner tools;
    /** Message queues and mailboxes. */
    final Ipc ipc = new Ipc(this);
    /** The bound memory manager and the mem.* calls. */
    final MemoryCalls mem = new MemoryCalls(this);

    /** The message queues, as operators and benchmarks drive them. */
    public org.agentos.kernel.api.ipc.MessageQueues ipc() {
        return ipc;
    }
    /** Processes by pid, the tree, pids, owners. */
    final ProcessTable procs;
    /** Bundles' tools and the kernel's own calls. */
    final SyscallTable syscalls;
    /** The bound scheduler and its hot swap. */
    final SchedulerSwap schedulers = new SchedulerSwap(this);
    /** The durable process table. */
    final Checkpoints checkpoints;
    private final Dispatcher dispatcher;
    final ScheduledThreadPoolExecutor timers;
    private volatile long nowMillis;
    private volatile boolean started;
    private ScheduledFuture<?> checkpointTask;
    private java.util.concurrent.ScheduledExecutorService checkpointer;

    public Kernel(Hal hal, KernelSettings settings) {
        this.hal = hal;
        this.settings = settings;
        this.json = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        try {
            this.defaultCaps = CapabilitySet.of(settings.defaultCapabilities());
        } catch (SyscallException e) {
            throw new IllegalArgumentException("defaultCapabilities: " + e.getMessage(), e);
        }
        this.audit = new AuditWriter(settings.dataDir() == null ? null : settings.dataDir().resolve("audit"),
                settings.auditFsync(), settings.auditSegmentBytes(), settings.auditSegments(),
                settings.auditRetentionMillis(), json, hal::nanoTime, hal::currentTimeMillis);
        this.checkpoints = new Checkpoints(this, settings.dataDir() == null ? null
                : new ProcStore(settings.dataDir(), json, 256L << 20));
        this.procs = new ProcessTable(hal, settings.dataDir());
        this.syscalls = new SyscallTable(this);
        int workers = settings.workers() > 0 ? settings.workers() : Math.max(1, hal.cpuCount());
        this.dispatcher = new Dispatcher(new Dispatcher.Runner() {
            @Override
            public Proc pick() {
                return Kernel.this.pick();
            }

            @Override
            public void run(Proc p, Dispatcher.Worker w) {
                Kernel.this.run(p, w);
            }

            @Override
            public void watchdogExpired(Proc p, long ranMillis) {
                end(p, ProcessState.KILLED, 137, "watchdog: one step ran for " + ranMillis + " ms (limit "
                        + settings.stepTimeoutMillis() + " ms)", true);
            }
        }, hal::nanoTime, hal::threadCpuTimeNanos, workers, settings.stepTimeoutMillis());
        this.timers = new ScheduledThreadPoolExecutor(1, daemon("agentos-timer"));
        timers.setRemoveOnCancelPolicy(true);
        // Audit timestamps and wall-time quotas read a clock the timer refreshes every millisecond:
        // reading the host clock costs tens of ns on some VMs, on every syscall.
        nowMillis = hal.currentTimeMillis();
        timers.scheduleAtFixedRate(() -> nowMillis = hal.currentTimeMillis(), 1, 1, TimeUnit.MILLISECONDS);
        this.resources = new Resources(this);
        this.tools = new ToolRunner(this);
        KernelSyscalls.register(this);
        addProgram(new PrincipalProgram(), "kernel");
    }

    static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------ life of the kernel

    /** Restores the process table from the last checkpoint and starts the CPU workers. */
    public synchronized void start() {
        if (started) return;
        try {
            ipc.recover(settings.dataDir()); // queues first: restored processes may be waiting on them
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the queue log: " + e.getMessage(), e);
        }
        if (checkpoints.store != null) {
            long t0 = hal.nanoTime();
            Map<Long, ProcRecord> records = checkpoints.store.load();
            long loaded = hal.nanoTime();
            checkpoints.restore(records);
            if (records.size() > 1) {
                LOG.info("restored {} processes from the checkpoint: read in {} ms, rebuilt in {} ms", procs.size() - 1,
                        (loaded - t0) / 1_000_000, (hal.nanoTime() - loaded) / 1_000_000);
            }
        }
        started = true;
        syscalls.bootStarted(procs.size() > 1, settings.bootGraceMillis());
        dispatcher.start();
        schedulers.carryOverSwaps(hal.currentTimeMillis());
        memory.start(timers);
        if (settings.dataDir() != null) timers.scheduleWithFixedDelay(audit::expire, 1, 1, TimeUnit.HOURS);
        ipc.start();
        if (checkpoints.store != null && settings.checkpointMillis() > 0) {
            // Its own thread: a large checkpoint must not delay timers (sleeps, the clock).
            checkpointer = Executors.newSingleThreadScheduledExecutor(daemon("agentos-checkpoint"));
            checkpointTask = checkpointer.scheduleWithFixedDelay(checkpoints::checkpointSafely, settings.checkpointMillis(),
                    settings.checkpointMillis(), TimeUnit.MILLISECONDS);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "boot", AuditRecord.OK, 0,
                procs.size() - 1 + " processes restored", null, null);
    }

    /** Longest a shutdown waits for tool calls in flight before it keeps them to be made again after the restart. */
    static final long QUIESCE_MILLIS = 5000;

    /**
     * The first step of a shutdown, taken before the bundles the kernel depends on stop: no new
     * step runs, tool calls in flight get {@code waitMillis} ({@value #QUIESCE_MILLIS} at a shutdown) to finish, and every process
     * is checkpointed. A tool whose bundle then goes away does not end its calls with ENOSYS: they
     * are kept as held calls and made again after the restart (as after a kill -9).
     */
    public void quiesce(long waitMillis) {
        synchronized (this) {
            if (!started || quiescing) return;
            quiescing = true;
        }
        schedulers.halted(hal.currentTimeMillis());
        dispatcher.stop(settings.stepTimeoutMillis() + 2000);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (SyscallEntry e : syscalls.entries()) calls.addAll(e.inFlight);
        if (!calls.isEmpty()) {
            LOG.info("shutting down: waiting up to {} ms for {} tool calls in flight", waitMillis, calls.size());
            try {
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(waitMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                // a call that failed has its result; one still running is kept for the restart
            }
        }
        checkpoints.checkpointSafely();
    }

    /** Stops the workers after their current step, checkpoints every process and closes the logs. */
    public synchronized void stop() {
        if (!started) return;
        started = false;
        schedulers.halted(hal.currentTimeMillis());
        dispatcher.stop(settings.stepTimeoutMillis() + 2000);
        if (checkpointer != null) {
            checkpointer.shutdown();
            try {
                checkpointer.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timers.shutdownNow();
        tools.shutdown();
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "shutdown", AuditRecord.OK, 0,
                procs.size() - 1 + " processes checkpointed", null, null);
        if (checkpoints.store != null) {
            checkpoints.checkpoint();
            checkpoints.store.close();
        }
        ipc.close();
        audit.close();
        schedulers.saveSwaps();
    }

    /** Wall-clock milliseconds, refreshed every millisecond. */
    long now() {
        return nowMillis;
    }

    // ------------------------------------------------------------------ subsystems

    @SuppressWarnings("unchecked")
    public void addProgram(Program<?> program, String bundle) {
        String name = program.name();
        ProgramEntry prev = programs.putIfAbsent(name, new ProgramEntry((Program<Object>) program, bundle));
        if (prev != null) {
            LOG.warn("program '{}' from {} ignored: {} already provides it", name, bundle, prev.bundle());
            return;
        }
        for (Proc p : waitingForProgram) {
            if (p.programName.equals(name) && waitingForProgram.remove(p)) {
                synchronized (p) {
                    if (p.state == ProcessState.READY) {
                        p.waitingOn = null;
                        enqueueLocked(p);
                    }
                }
            }
        }
    }

    public void removeProgram(Program<?> program) {
        programs.computeIfPresent(program.name(), (k, e) -> e.program() == program ? null : e);
    }

    /** Topics of the kernel's OSGi events (EventAdmin), which agents can also receive through ipc.subscribe. */
    public static final String TOPIC_SPAWNED = "org/agentos/process/SPAWNED";
    public static final String TOPIC_EXITED = "org/agentos/process/EXITED";
    public static final String TOPIC_QUOTA = "org/agentos/process/QUOTA_EXCEEDED";
    public static final String TOPIC_TOOL_ADDED = "org/agentos/tool/ADDED";
    public static final String TOPIC_TOOL_REMOVED = "org/agentos/tool/REMOVED";

    private volatile BiConsumer<String, Map<String, Object>> events;

    /** Where the kernel's events go (KernelComponent: EventAdmin); null: nowhere. */
    public void setEventSink(BiConsumer<String, Map<String, Object>> sink) {
        this.events = sink;
    }

    /**
     * A parent that uses its mailbox hears of a child's end there ({@code {"event":"child-exit",...}}),
     * besides proc.wait. A parent without a mailbox is not given one for it.
     */
    private void notifyParentOfExit(Proc child, int code, ProcessState how, String reason) {
        long ppid = child.ppid;
        if (ppid == INIT_PID) return;
        ObjectNode note = json.createObjectNode().put("event", "child-exit").put("pid", child.pid).put("code", code)
                .put("state", how.name()).put("reason", reason);
        ipc.notify(ppid, note);
    }

    /** An IPC event (queue created, deleted, redriven) in the audit log. */
    void auditEvent(String name, String owner, String detail) {
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, owner, name, AuditRecord.OK, 0, detail, null, null);
    }

    /** A bundle's tool refused for want of a permission: audited, so an operator sees why it is missing. */
    public void auditDenial(String bundle, String permission, String what) {
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "perm.deny", "EPERM", 0,
                "bundle " + bundle + " lacks permission " + permission + ": " + what, null, null);
    }

    /**
     * A grant or revoke of bundle permissions ({@code perm.grant}, {@code perm.revoke}), by the
     * console user {@code by}, or through ConfigAdmin (an edit of the grants file) when null.
     */
    public void auditPermissionChange(String event, String entry, java.util.Set<String> permissions, String by) {
        String verb = PermissionRegistry.AuditSink.GRANT.equals(event) ? " granted to bundle " : " revoked from bundle ";
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, by == null ? "root" : by, event, AuditRecord.OK, 0,
                String.join(", ", permissions) + verb + entry + (by == null
                        ? " through ConfigAdmin (etc/" + org.agentos.kernel.api.security.KernelPermission.GRANTS_PID + ".cfg)" : " by console user " + by),
                null, null);
    }

    /**
     * Binds memory manager {@code next} (null: none), carrying the bound one's spaces over to it
     * (quiesce, export, import; docs/memory.md): what {@code kernel:swap memory} makes the kernel
     * do. Returns what happened, as {@code kernel:subsystems} shows it.
     */
    public String setMemoryManager(MemoryManager next, String provider) {
        return mem.bind(next, provider);
    }

    int workers() {
        return dispatcher.size();
    }

    /** One line on the CPU workers for kernel:subsystems. */
    String workerSummary() {
        int replaced = dispatcher.replaced();
        return dispatcher.size() + " CPU workers, " + String.format(java.util.Locale.ROOT, "%.1f", dispatcher.cpuNanos() / 1e9)
                + " s CPU" + (replaced > 0 ? ", " + replaced + " replaced by the watchdog" : "");
    }

    // ------------------------------------------------------------------ the parts, as KernelComponent and the console see them

    /** Adds a bundle's tool to the syscall table; refused when the name is taken. */
    public boolean addTool(Tool tool, String bundle) {
        return syscalls.addTool(tool, bundle);
    }

    /** Takes a bundle's tool out of the syscall table; its calls in flight end with ENOSYS. */
    public void removeTool(Tool tool) {
        syscalls.removeTool(tool);
    }

    /** The descriptors of the syscall table, sorted by name: what {@code tool:list} and the gateway show. */
    public List<ToolDescriptor> descriptors() {
        return syscalls.descriptors();
    }

    /** The descriptor of syscall {@code name}, or null. */
    public ToolDescriptor descriptor(String name) {
        return syscalls.descriptor(name);
    }

    /** The bundle providing syscall {@code name} ("kernel" for its own), or null. */
    public String provider(String name) {
        return syscalls.provider(name);
    }

    /** Binds a scheduler (null: none) by the swap protocol of {@link Scheduler}; see {@link SchedulerSwap}. */
    public SwapReport setScheduler(Scheduler next, String provider) {
        return schedulers.setScheduler(next, provider);
    }

    public Scheduler scheduler() {
        return schedulers.scheduler();
    }

    public SwapReport lastSwap() {
        return schedulers.lastSwap();
    }

    /** The last HAL swap as {@code kernel:subsystems} shows it, or null. */
    public String lastHalSwap() {
        return schedulers.lastHalSwap();
    }

    /** Most live processes one owner may have (0: no limit); applied at once. */
    public void setMaxProcessesPerOwner(int max) {
        procs.setMaxProcessesPerOwner(max);
    }

    /** Posts a kernel event (EventAdmin, through the sink KernelComponent set), if anyone listens. */
    void post(String topic, Map<String, ?> properties) {
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) {
            @SuppressWarnings("unchecked") Map<String, Object> props = (Map<String, Object>) properties;
            sink.accept(topic, props);
        }
    }

    boolean started() {
        return started;
    }

    void wakeAllWorkers() {
        for (int i = 0; i < dispatcher.size(); i++) dispatcher.signalWork();
    }

    // ------------------------------------------------------------------ ProcessManager

    @Override
    public long spawn(SpawnSpec spec) throws SyscallException {
        return spawn(procs.init, spec, true);
    }

    long spawn(Proc parent, SpawnSpec spec, boolean byOperator) throws SyscallException {
        ProgramEntry pe = programs.get(spec.program());
        if (pe == null) {
            throw new SyscallException(Errno.ENOENT, "no program '" + spec.program() + "' (agent:programs lists them)");
        }
        if (spec.nice() < -20 || spec.nice() > 19) {
            throw new SyscallException(Errno.EINVAL, "nice must be between -20 and 19, not " + spec.nice());
        }
        if (!byOperator && spec.nice() < parent.nice) {
            throw new SyscallException(Errno.EPERM, "a child may not be less nice (" + spec.nice()
                    + ") than its parent (" + parent.nice + ")");
        }
        SchedClass schedClass = spec.schedClass();
        if (schedClass == null) {
            schedClass = byOperator ? SchedClass.NORMAL : parent.schedClass;
        } else if (!byOperator && schedClass.compareTo(parent.schedClass) < 0) {
            throw new SyscallException(Errno.EPERM, "a child may not run in a higher scheduling class ("
                    + schedClass.label() + ") than its parent (" + parent.schedClass.label() + ")");
        }
        CapabilitySet caps;
        if (spec.capabilities() == null) {
            caps = byOperator ? defaultCaps : parent.caps;
        } else {
            CapabilitySet wanted = CapabilitySet.of(spec.capabilities());
            caps = byOperator ? wanted : parent.caps.attenuate(wanted);
        }
        Quotas quotas = spec.quotas() == null ? parent.quotas
                : byOperator ? spec.quotas() : spec.quotas().min(parent.quotas);
        if (!byOperator) quotas = withinParentsWallTime(quotas, parent);
        String owner;
        if (byOperator) {
            owner = procs.canonicalOwner(spec.owner() == null ? "root" : spec.owner());
        } else {
            if (spec.owner() != null && !spec.owner().equals(parent.owner)) {
                throw new SyscallException(Errno.EPERM, "a process cannot spawn for another owner ('" + spec.owner() + "')");
            }
            owner = parent.owner;
        }
        Object state;
        try {
            state = pe.program().init(spec.args());
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, spec.program() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("program {} failed to initialise", spec.program(), e);
            throw new SyscallException(Errno.EINVAL, spec.program() + " rejected its arguments: " + e);
        }
        procs.admit(owner);
        long pid = procs.nextPid();
        Proc p = new Proc(pid, parent.pid, owner, pe.program().name(), spec.nice(), schedClass, caps, quotas, now());
        p.budget = TreeBudget.of(pid, quotas, byOperator ? null : parent.budget); // an operator's spawn starts a new tree
        p.programState = state;
        enroll(parent, p, "spawn");
        return pid;
    }

    /**
     * A child's wall-time quota ends no later than its parent's: what is left of the parent's, if
     * that is less. Relative to its own start it would otherwise outlive the parent's deadline
     * (re-parented to init when the parent is stopped), and a tree could run on forever.
     */
    private Quotas withinParentsWallTime(Quotas quotas, Proc parent) {
        long parentWall = parent.quotas.wallMillis();
        if (parentWall == Quotas.UNLIMITED) return quotas;
        long left = Math.max(1, parentWall - (now() - parent.startedMillis));
        return quotas.wallMillis() <= left ? quotas : quotas.withWallMillis(left);
    }

    /** Syscall records one owner may add to the audit log per second (0: no limit); applied at once. */
    public void setAuditRecordsPerOwner(int perSecond) {
        audit.setOwnerRecordsPerSecond(perSecond);
    }

    /**
     * Puts the new process {@code p} into the table and under {@code parent} (or init, if the
     * parent ended meanwhile), audits {@code how} (spawn, fork), makes it READY and posts SPAWNED.
     */
    private void enroll(Proc parent, Proc p, String how) {
        procs.put(p);
        synchronized (procs.tree) {
            Proc actual = parent;
            // end() marks a process terminal before it re-parents its children under this lock.
            if (parent.state.isTerminal()) {
                actual = procs.init;
            }
            p.ppid = actual.pid;
            if (actual != procs.init) {
                if (actual.children == null) actual.children = new LinkedHashSet<>(4);
                actual.children.add(p);
            }
        }
        audit.append(new AuditWriter.Entry(hal.nanoTime(), p.startedMillis, AuditRecord.LIFECYCLE, p.pid, p.owner, how,
                AuditRecord.OK, 0, p.programName, parent.pid, null, null));
        synchronized (p) {
            p.state = ProcessState.READY;
            checkpoints.markDirtyLocked(p);
            enqueueLocked(p);
        }
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) sink.accept(TOPIC_SPAWNED, Map.of("pid", p.pid, "ppid", parent.pid, "owner", p.owner, "program", p.programName));
    }

    @Override
    public void pause(long pid) throws SyscallException {
        Proc p = procs.lookup(pid);
        if (p == procs.init) throw new SyscallException(Errno.EPERM, "init cannot be paused: it adopts and reaps the orphans");
        synchronized (p) {
            switch (p.state) {
                case READY -> {
                    p.state = ProcessState.PAUSED;
                    dequeueLocked(p);
                }
                case BLOCKED -> p.state = ProcessState.PAUSED;
                case RUNNING, NEW -> {
                    if (p.pausePending) throw new SyscallException(Errno.EINVAL, "process " + pid + " is already being paused");
                    p.pausePending = true;
                }
                case PAUSED -> throw new SyscallException(Errno.EINVAL, "process " + pid + " is already paused");
                default -> throw new SyscallException(Errno.EINVAL, "process " + pid + " has already ended");
            }
            checkpoints.markDirtyLocked(p);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "pause", AuditRecord.OK, 0, null, null, null);
    }

    @Override
    public void resume(long pid) throws SyscallException {
        Proc p = procs.lookup(pid);
        synchronized (p) {
            if (p.state == ProcessState.PAUSED) {
                if (p.callInFlight) {
                    p.state = ProcessState.BLOCKED;
                } else {
                    p.state = ProcessState.READY;
                    enqueueLocked(p);
                }
            } else if (p.pausePending) {
                p.pausePending = false;
            } else if (p.state.isTerminal()) {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " has already ended");
            } else {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " is not paused (it is " + p.state + ")");
            }
            checkpoints.markDirtyLocked(p);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "resume", AuditRecord.OK, 0, null, null, null);
    }

    @Override
    public void terminate(long pid) throws SyscallException {
        signal(procs.lookup(pid), false, "operator");
    }

    @Override
    public void kill(long pid) throws SyscallException {
        signal(procs.lookup(pid), true, "operator");
    }

    static final java.util.Set<String> USER_SIGNALS = java.util.Set.of("usr1", "usr2", "hup", "int");

    /**
     * A user signal: queued for {@code p}'s next step (where {@link Program#onSignal} handles it, or
     * its mailbox gets it); a sleep, wait or IPC wait in progress ends with EINTR so that the next
     * step comes soon.
     */
    void userSignal(Proc p, String signal, JsonNode payload, long from) throws SyscallException {
        if (!USER_SIGNALS.contains(signal)) {
            throw new SyscallException(Errno.EINVAL, "unknown signal '" + signal + "' (term, kill, usr1, usr2, hup, int)");
        }
        ObjectNode sig = json.createObjectNode().put("event", "signal").put("signal", signal).put("from", from);
        sig.set("payload", payload == null ? com.fasterxml.jackson.databind.node.NullNode.instance : payload);
        Future<?> interrupt = null;
        synchronized (p) {
            if (p.state.isTerminal()) throw new SyscallException(Errno.ESRCH, "process " + p.pid + " has already ended");
            if (p.pendingSignals == null) p.pendingSignals = new java.util.ArrayDeque<>(2);
            if (p.pendingSignals.size() >= 64) throw new SyscallException(Errno.EAGAIN, "process " + p.pid + " has 64 signals pending");
            p.pendingSignals.addLast(sig);
            if (p.callInFlight && ("proc.sleep".equals(p.callName) || p.blockedOn instanceof MessageQueue.Waiter)) {
                interrupt = p.cancelCall;
            }
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "signal", AuditRecord.OK, 0,
                signal + " from pid " + from, null, null);
        if (interrupt != null) {
            interrupt.cancel(false);
            parked.complete(p, SyscallResult.error(Errno.EINTR, "interrupted by signal " + signal));
        }
    }

    /** Lets the program handle a user signal; one it leaves alone goes to its mailbox. Returns the state to step with. */
    private Object handleSignal(Proc p, Program<Object> program, Object state, ObjectNode sig) {
        Object next = program.onSignal(state, sig.get("signal").asText(), sig.get("payload"));
        if (next != null) return next;
        ipc.mailbox(p);
        ipc.notify(p.pid, sig);
        return state;
    }

    /** Kill ends the process now; terminate asks it to end at its next step (interrupting a sleep or wait). */
    void signal(Proc p, boolean kill, String by) throws SyscallException {
        if (p == procs.init) throw new SyscallException(Errno.EPERM, "init cannot be " + (kill ? "killed" : "terminated"));
        if (kill) {
            if (!end(p, ProcessState.KILLED, 137, "killed by " + by, true)) {
                throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
            }
            return;
        }
        Future<?> interrupt = null;
        synchronized (p) {
            if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
            p.terminatePending = true;
            checkpoints.markDirtyLocked(p);
            if (p.callInFlight && "proc.sleep".equals(p.callName)) {
                interrupt = p.cancelCall;
            } else if (p.callInFlight && p.blockedOn instanceof MessageQueue.Waiter) {
                interrupt = p.cancelCall; // takes it off its queue
            } else if (p.callInFlight && "proc.wait".equals(p.callName) && p.waitFor != Long.MIN_VALUE) {
                p.waitFor = Long.MIN_VALUE;
                interrupt = p.cancelCall == null ? CompletableFuture.completedFuture(null) : p.cancelCall;
            }
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, p.pid, p.owner, "terminate", AuditRecord.OK, 0,
                "requested by " + by, null, null);
        if (interrupt != null) {
            interrupt.cancel(false);
            parked.complete(p, SyscallResult.error(Errno.EINTR, "interrupted by a terminate request"));
        }
    }

    @Override
    public CompletionStage<ExitStatus> awaitExit(long pid) throws SyscallException {
        Proc p = procs.lookup(pid);
        synchronized (p) {
            if (p.exit != null) return CompletableFuture.completedFuture(p.exit);
            if (p.exitFuture == null) p.exitFuture = new CompletableFuture<>();
            return p.exitFuture.copy();
        }
    }

    @Override
    public Optional<ProcessInfo> info(long pid) {
        Proc p = procs.get(pid);
        return p == null ? Optional.empty() : Optional.of(procs.info(p));
    }

    /** One pass over the table keeping the {@code limit} lowest matching pids in a bounded heap. */
    @Override
    public ProcessListing list(ProcessQuery q) {
        return procs.list(q);
    }

    @Override
    public List<ProcessInfo> list(int limit) {
        return list(ProcessQuery.all(limit)).processes();
    }

    @Override
    public int count() {
        return procs.size();
    }

    @Override
    public List<ProgramInfo> programs() {
        List<ProgramInfo> out = new ArrayList<>();
        programs.forEach((name, e) -> out.add(new ProgramInfo(name, e.program().description(), e.bundle())));
        out.sort(Comparator.comparing(ProgramInfo::name));
        return out;
    }

    // ------------------------------------------------------------------ AuditLog

    @Override
    public List<AuditRecord> read(AuditQuery query) {
        return audit.read(query);
    }

    @Override
    public void sync() {
        audit.sync();
    }

    // ------------------------------------------------------------------ scheduling and stepping

    void enqueueLocked(Proc p) {
        if (p.queued) return;
        p.queued = true;
        Scheduler s = schedulers.scheduler();
        if (s != null) {
            StallMeter stall = schedulers.stall();
            if (stall == null) {
                s.enqueue(p);
            } else {
                long t0 = stall.begin();
                s.enqueue(p);
                stall.end(t0);
            }
            dispatcher.signalWork();
        }
    }

    private void dequeueLocked(Proc p) {
        if (!p.queued) return;
        p.queued = false;
        Scheduler s = schedulers.scheduler();
        if (s != null) s.remove(p);
    }

    private Proc pick() {
        StallMeter stall = schedulers.stall();
        if (stall == null) return pickFrom(schedulers.scheduler());
        long t0 = stall.begin();
        try {
            return pickFrom(schedulers.scheduler());
        } finally {
            stall.end(t0);
        }
    }

    private Proc pickFrom(Scheduler s) {
        if (s == null || !started) return null;
        while (true) {
            SchedEntity e = s.pickNext();
            if (e == null) return null;
            if (!(e instanceof Proc p)) {
                LOG.error("scheduler {} returned an entity the kernel did not give it: {}", s.name(), e);
                continue;
            }
            synchronized (p) {
                // Stale entries (paused, killed, or already taken after a swap) are dropped here.
                if (p.queued && p.state == ProcessState.READY) {
                    p.queued = false;
                    p.state = ProcessState.RUNNING;
                    return p;
                }
            }
        }
    }

    /**
     * Runs one step of {@code p} on worker {@code w}, then the syscall it asked for. The fast path
     * takes the process lock four times per step (pick, before, after, completion) and reads the
     * clock twice.
     */
    void run(Proc p, Dispatcher.Worker w) {
        ProgramEntry pe = programs.get(p.programName);
        if (pe == null) {
            parkUntilProgram(p);
            return;
        }
        Object state;
        SyscallResult last;
        boolean terminate;
        boolean heldCall;
        ObjectNode signal;
        String badState = null;
        synchronized (p) {
            heldCall = p.callName != null;
            if (!heldCall && p.programState instanceof JsonNode node
                    && !JsonNode.class.isAssignableFrom(pe.program().stateType())) {
                // Restored from a checkpoint as JSON: give the program its typed state back.
                try {
                    p.programState = json.convertValue(node, pe.program().stateType());
                } catch (IllegalArgumentException e) {
                    badState = "cannot restore its state as " + pe.program().stateType().getName() + ": " + e.getMessage();
                }
            }
            state = p.programState;
            last = p.lastResult;
            terminate = !heldCall && p.terminatePending;
            if (terminate) p.terminatePending = false;
            signal = !heldCall && !terminate && p.pendingSignals != null ? p.pendingSignals.pollFirst() : null;
        }
        if (badState != null) {
            end(p, ProcessState.KILLED, 134, badState, false);
            return;
        }
        long t0 = hal.nanoTime();
        w.begin(p, t0);
        try {
            if (heldCall) {
                // Held at a syscall boundary (pause, restart): make that call, not a new step.
                SyscallEntry e;
                SyscallResult early;
                String name;
                JsonNode args;
                synchronized (p) {
                    if (p.state != ProcessState.RUNNING || p.callName == null) return;
                    name = p.callName;
                    args = p.callArgs;
                    e = syscalls.get(name);
                    if (e == null && syscalls.awaitsBundle(name)) {
                        syscalls.holdUntilSyscallLocked(p, name);
                        early = null;
                    } else {
                        early = mediator.beginLocked(p, e, name, t0);
                    }
                }
                if (e == null && early == null) {
                    syscalls.awaitSyscall(p, name);
                    return;
                }
                mediator.proceed(p, e, name, args, early);
                return;
            }
            Step<Object> step = null;
            Throwable fault = null;
            try {
                if (signal != null) state = handleSignal(p, pe.program(), state, signal);
                step = terminate ? pe.program().onTerminate(state) : pe.program().step(state, last);
                if (step == null) fault = new NullPointerException("step returned null");
            } catch (Throwable t) {
                fault = t;
            }
            long t1 = hal.nanoTime();
            if (w.abandoned) return; // the watchdog ended the process and replaced this worker
            long ran = t1 - t0;
            Scheduler s = schedulers.scheduler();
            if (s != null) s.charge(p, ran);
            String endReason = null;
            int endCode = 0;
            ProcessState endState = ProcessState.EXITED;
            SyscallEntry e = null;
            SyscallResult early = null;
            String name = null;
            JsonNode args = null;
            synchronized (p) {
                p.cpuNanos += ran;
                p.steps++;
                if (p.state != ProcessState.RUNNING) return;
                checkpoints.markDirtyLocked(p);
                if (fault != null) {
                    LOG.warn("{} failed in a step", p, fault);
                    endCode = 134;
                    endState = ProcessState.KILLED;
                    endReason = "step failed: " + fault;
                } else {
                    p.programState = step.state();
                    p.lastResult = null;
                    String over = p.cpuNanos > p.quotas.cpuNanos() ? mediator.overQuotaLocked(p) : null;
                    TreeBudget tree = p.budget == null ? null : p.budget.chargeCpu(ran);
                    if (over == null && tree != null) {
                        over = "EQUOTA: the process tree of pid " + tree.pid + " used " + tree.cpu.get() / 1000
                                + " us of CPU, over its quota of " + tree.cpuLimit / 1000 + " us (shared by its descendants)";
                    }
                    if (over != null) {
                        endCode = 137;
                        endState = ProcessState.KILLED;
                        endReason = over;
                    } else if (step instanceof Step.Exit<Object> x) {
                        endCode = x.code();
                        endReason = x.reason();
                    } else {
                        Step.Call<Object> c = (Step.Call<Object>) step;
                        name = c.syscall();
                        args = c.args();
                        p.callName = name;
                        p.callArgs = args;
                        if (p.pausePending) {
                            p.pausePending = false;
                            p.state = ProcessState.PAUSED;
                            return;
                        }
                        e = syscalls.get(name);
                        if (e == null && syscalls.awaitsBundle(name)) {
                            syscalls.holdUntilSyscallLocked(p, name);
                        } else {
                            early = mediator.beginLocked(p, e, name, t1);
                        }
                    }
                }
            }
            if (endReason != null) {
                end(p, endState, endCode, endReason, false);
                return;
            }
            if (e == null && early == null) {
                syscalls.awaitSyscall(p, name);
                return;
            }
            mediator.proceed(p, e, name, args, early);
        } finally {
            w.end();
        }
    }

    /** The process's program is not installed: it waits READY (off the run queue) until it is. */
    private void parkUntilProgram(Proc p) {
        synchronized (p) {
            if (p.state != ProcessState.RUNNING) return;
            p.state = ProcessState.READY;
            p.waitingOn = "program '" + p.programName + "' to be installed";
        }
        waitingForProgram.add(p);
        if (programs.containsKey(p.programName) && waitingForProgram.remove(p)) {
            synchronized (p) {
                if (p.state == ProcessState.READY) {
                    p.waitingOn = null;
                    enqueueLocked(p);
                }
            }
        }
    }

    // ------------------------------------------------------------------ syscalls from outside a program

    /**
     * Makes a system call on behalf of process {@code pid} from outside its program (the console's
     * {@code tool:call}, benchmarks): the one mediation path ({@link Mediator}), without touching
     * the process's own pending call. Calls that only a program can make are {@code EINVAL}.
     */
    public SyscallResult call(long pid, String name, JsonNode args) {
        return mediator.call(pid, name, args, null);
    }

    /** As {@link #call(long, String, JsonNode)}, made through the syscall gateway of bundle {@code via}, which the audit record names. */
    public SyscallResult call(long pid, String name, JsonNode args, String via) {
        return mediator.call(pid, name, args, via);
    }

    // ------------------------------------------------------------------ resource limits

    /** Applies new limits at once: a higher LLM concurrency starts waiting callers. */
    public void setResourceLimits(int llmConcurrency, long ioBytesPerSecond, long netBytesPerSecond) {
        resources.setLimits(llmConcurrency, ioBytesPerSecond, netBytesPerSecond);
    }

    /** The arbitrated resources, for kernel:subsystems. */
    public List<String> resourceSummary() {
        return resources.summary();
    }

    /** Charges {@code bytes} moved to {@code p}'s byte quota and rate: EQUOTA past the quota. */
    void chargeBytes(Proc p, long bytes) throws SyscallException {
        resources.chargeBytes(p, bytes, null);
    }

    boolean quiescing() {
        return quiescing;
    }

    /**
     * proc.fork: a child running the same program from a copy of the parent's state, with the
     * parent's owner, capabilities, quotas and priority, and a copy-on-write copy of its user
     * space. The parent's call returns {@code {pid: <child>}}, the child's {@code {pid: 0, ppid}}.
     */
    SyscallResult fork(Proc parent, org.agentos.kernel.api.memory.MemoryManager m) throws SyscallException {
        ProgramEntry pe = programs.get(parent.programName);
        if (pe == null) throw new SyscallException(Errno.ENOENT, "program '" + parent.programName + "' is not installed");
        Object copy;
        synchronized (parent) {
            try {
                copy = json.convertValue(json.valueToTree(parent.programState), pe.program().stateType());
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "the state of " + parent.programName + " cannot be copied: " + e.getMessage());
            }
        }
        procs.admit(parent.owner);
        long pid = procs.nextPid();
        Proc child = new Proc(pid, parent.pid, parent.owner, parent.programName, parent.nice, parent.schedClass, parent.caps,
                withinParentsWallTime(parent.quotas, parent), now());
        child.budget = parent.budget; // same quotas: it spends from its parent's tree budget
        child.programState = copy;
        child.lastResult = SyscallResult.ok(json.createObjectNode().put("pid", 0).put("ppid", parent.pid));
        try {
            mem.fork(m, parent, child); // before the child can run: it starts with its parent's memory
        } catch (SyscallException | RuntimeException e) {
            procs.release(parent.owner);
            throw e;
        }
        enroll(parent, child, "fork");
        return SyscallResult.ok(json.createObjectNode().put("pid", pid));
    }

    // ------------------------------------------------------------------ exit, reaping, waiting

    /**
     * Ends {@code p} (unless it already ended): records the exit, cancels its call, re-parents its
     * children to init, and tells its parent. Returns false when it had already ended.
     */
    boolean end(Proc p, ProcessState how, int code, String reason, boolean fromOutside) {
        Future<?> cancel;
        String inFlight = null;
        ExitStatus status = new ExitStatus(code, reason, how);
        CompletableFuture<ExitStatus> waiters;
        synchronized (p) {
            if (p.state.isTerminal()) return false;
            // A RUNNING process's worker drops the step when it returns: the state is no longer RUNNING.
            dequeueLocked(p);
            p.state = how;
            p.exit = status;
            p.endedMillis = hal.currentTimeMillis();
            cancel = p.cancelCall;
            if (p.callInFlight) inFlight = p.callName;
            p.callInFlight = false;
            p.cancelCall = null;
            p.callName = null;
            p.callArgs = null;
            p.waitingOn = null;
            p.pausePending = false;
            waiters = p.exitFuture;
            p.exitFuture = null;
            checkpoints.markDirtyLocked(p);
        }
        if (p != procs.init) procs.release(p.owner);
        waitingForProgram.remove(p);
        syscalls.forget(p);
        if (cancel != null) cancel.cancel(false);
        ipc.processEnded(p);
        mem.processEnded(p);
        if (inFlight != null) {
            audit.append(hal.currentTimeMillis(), AuditRecord.SYSCALL, p.pid, p.owner, inFlight,
                    Errno.ECANCELED.name(), 0, "the process ended during the call", null, null);
        }
        audit.append(p.endedMillis, AuditRecord.LIFECYCLE, p.pid, p.owner, how == ProcessState.KILLED ? "kill" : "exit",
                AuditRecord.OK, 0, "code " + code + ": " + reason, null, null);
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) {
            sink.accept(TOPIC_EXITED, Map.of("pid", p.pid, "ppid", p.ppid, "owner", p.owner, "program", p.programName,
                    "code", code, "state", how.name(), "reason", reason == null ? "" : reason));
            if (reason != null && reason.startsWith("EQUOTA")) {
                sink.accept(TOPIC_QUOTA, Map.of("pid", p.pid, "owner", p.owner, "reason", reason));
            }
        }
        notifyParentOfExit(p, code, how, reason);
        Proc parent;
        List<Proc> orphanZombies = new ArrayList<>();
        List<Proc> toReap = new ArrayList<>();
        Proc wokenParent = null;
        Future<?> parentTimer = null;
        synchronized (procs.tree) {
            if (p.children != null) {  // re-parent to init
                for (Proc c : p.children) {
                    c.ppid = INIT_PID;
                    if (c.state.isTerminal()) orphanZombies.add(c);
                }
                p.children = null;
            }
            parent = procs.get(p.ppid);
            if (parent == null || parent == procs.init) {
                orphanZombies.add(p);
            } else {
                synchronized (parent) {
                    if (parent.callInFlight && "proc.wait".equals(parent.callName)
                            && (parent.waitFor == -1 || parent.waitFor == p.pid)) {
                        parent.waitFor = Long.MIN_VALUE; // claimed: a racing timeout or EINTR now backs off
                        parent.children.remove(p);
                        toReap.add(p);
                        wokenParent = parent;
                        parentTimer = parent.cancelCall;
                    }
                }
            }
            for (Proc z : orphanZombies) {
                procs.initZombies.addLast(z);
            }
            while (procs.initZombies.size() > settings.zombieRetention()) {
                toReap.add(procs.initZombies.removeFirst());
            }
        }
        for (Proc z : toReap) reap(z);
        if (wokenParent != null) {
            if (parentTimer != null) parentTimer.cancel(false);
            parked.complete(wokenParent, SyscallResult.ok(exitJson(p)));
        }
        if (waiters != null) waiters.complete(status);
        return true;
    }

    JsonNode exitJson(Proc child) {
        ExitStatus x = child.exit;
        return json.createObjectNode().put("pid", child.pid).put("code", x.code()).put("reason", x.reason())
                .put("state", x.state().name());
    }

    /** Removes an ended process from the table for good. */
    void reap(Proc z) {
        if (procs.remove(z)) {
            synchronized (z) {
                z.reaped = true;
                checkpoints.markDirtyLocked(z);
            }
        }
    }

    /**
     * proc.wait: reaps an ended child at once, or blocks {@code p} until one ends. {@code pid} -1
     * means any child. Returns null when the caller blocked.
     */
    SyscallResult waitChild(Proc p, long pid, long timeoutMillis) throws SyscallException {
        Proc zombie = null;
        synchronized (procs.tree) {
            if (p.children == null || p.children.isEmpty()) {
                throw new SyscallException(Errno.ECHILD, "pid " + p.pid + " has no children to wait for");
            }
            if (pid == -1) {
                for (Proc c : p.children) {
                    if (c.state.isTerminal()) {
                        zombie = c;
                        break;
                    }
                }
            } else {
                Proc c = procs.get(pid);
                if (c == null || !p.children.contains(c)) {
                    throw new SyscallException(Errno.ECHILD, "process " + pid + " is not a child of pid " + p.pid);
                }
                if (c.state.isTerminal()) zombie = c;
            }
            if (zombie != null) {
                p.children.remove(zombie);
            } else {
                synchronized (p) {
                    p.waitFor = pid;
                    parked.blockLocked(p, "proc.wait");
                    if (timeoutMillis > 0) {
                        p.cancelCall = timers.schedule(() -> {
                            if (claimWait(p)) {
                                parked.complete(p, SyscallResult.error(Errno.ETIMEDOUT, "no child ended within " + timeoutMillis + " ms"));
                            }
                        }, timeoutMillis, TimeUnit.MILLISECONDS);
                    }
                }
            }
        }
        if (zombie == null) return null;
        reap(zombie);
        return SyscallResult.ok(exitJson(zombie));
    }

    /** Takes a blocked proc.wait away from child exits (for a timeout or an interrupt); false if a child won. */
    private boolean claimWait(Proc p) {
        synchronized (p) {
            if (!p.callInFlight || p.waitFor == Long.MIN_VALUE) return false;
            p.waitFor = Long.MIN_VALUE;
            return true;
        }
    }

    /** proc.sleep: blocks {@code p} until {@code untilMillis} (epoch), surviving a restart. */
    SyscallResult sleepUntil(Proc p, long untilMillis) {
        long delay = untilMillis - hal.currentTimeMillis();
        if (delay <= 0) return SyscallResult.OK;
        synchronized (p) {
            p.sleepUntilMillis = untilMillis;
            parked.blockLocked(p, "proc.sleep");
            try {
                p.cancelCall = timers.schedule(() -> parked.complete(p, SyscallResult.OK), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                // The kernel is stopping; the checkpoint keeps the wake-up time and the restart resumes the sleep.
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ checkpoints

}
