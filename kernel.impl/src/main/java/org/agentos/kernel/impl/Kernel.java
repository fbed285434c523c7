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
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    static final String INIT = "init";

    record ProgramEntry(Program<Object> program, String bundle) {}

    final Hal hal;
    final KernelSettings settings;
    final ObjectMapper json;
    private final ConcurrentHashMap<Long, Proc> table = new ConcurrentHashMap<>(1 << 12);
    private final PidAllocator pids;
    /** Live (not ended) processes per owner: what maxProcessesPerOwner bounds. */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> liveByOwner = new ConcurrentHashMap<>();
    /** Most live processes one owner may have; 0 = no limit. Applied without a restart. */
    private volatile int maxProcessesPerOwner = DEFAULT_MAX_PROCESSES_PER_OWNER;
    static final int DEFAULT_MAX_PROCESSES_PER_OWNER = 20_000;
    private final Object tree = new Object();
    private final Proc init;
    private final ArrayDeque<Proc> initZombies = new ArrayDeque<>();
    private final ConcurrentHashMap<String, ProgramEntry> programs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SyscallEntry> syscalls = new ConcurrentHashMap<>();
    private final Set<Proc> waitingForProgram = ConcurrentHashMap.newKeySet();
    /** Held at a call whose syscall is not registered yet, during the boot grace period. */
    private final Set<Proc> waitingForSyscall = ConcurrentHashMap.newKeySet();
    /** Until the boot grace period ends, a call to a syscall not registered yet waits for its bundle. */
    private volatile boolean booting;
    /** Syscalls bundles registered before: during the boot grace period a call to one of them waits for its bundle. */
    private final KnownSyscalls knownSyscalls;
    /** Set once the framework shuts down: tool calls a departing bundle leaves are kept for the restart. */
    private volatile boolean quiescing;
    private final ConcurrentLinkedQueue<Proc> dirty = new ConcurrentLinkedQueue<>();
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
    private final ProcStore store;
    private final Dispatcher dispatcher;
    final ScheduledThreadPoolExecutor timers;
    private volatile long nowMillis;
    private final ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();
    private volatile Scheduler scheduler;
    private volatile String schedulerProvider;
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
        this.store = settings.dataDir() == null ? null : new ProcStore(settings.dataDir(), json, 256L << 20);
        this.pids = new PidAllocator(settings.dataDir(), INIT_PID + 1);
        this.knownSyscalls = new KnownSyscalls(settings.dataDir());
        this.init = new Proc(INIT_PID, 0, "root", INIT, 0, SchedClass.NORMAL, CapabilitySet.ALL, Quotas.NONE, hal.currentTimeMillis());
        init.state = ProcessState.BLOCKED;
        init.waitingOn = "proc.wait";
        table.put(INIT_PID, init);
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
        if (store != null) {
            long t0 = hal.nanoTime();
            Map<Long, ProcRecord> records = store.load();
            long loaded = hal.nanoTime();
            restore(records);
            if (records.size() > 1) {
                LOG.info("restored {} processes from the checkpoint: read in {} ms, rebuilt in {} ms", table.size() - 1,
                        (loaded - t0) / 1_000_000, (hal.nanoTime() - loaded) / 1_000_000);
            }
        }
        started = true;
        booting = settings.bootGraceMillis() > 0 && table.size() > 1; // processes were restored
        if (booting) {
            timers.schedule(this::bootGraceOver, settings.bootGraceMillis(), TimeUnit.MILLISECONDS);
        }
        dispatcher.start();
        carryOverSwaps(hal.currentTimeMillis());
        memory.start(timers);
        if (settings.dataDir() != null) timers.scheduleWithFixedDelay(audit::expire, 1, 1, TimeUnit.HOURS);
        ipc.start();
        if (store != null && settings.checkpointMillis() > 0) {
            // Its own thread: a large checkpoint must not delay timers (sleeps, the clock).
            checkpointer = Executors.newSingleThreadScheduledExecutor(daemon("agentos-checkpoint"));
            checkpointTask = checkpointer.scheduleWithFixedDelay(this::checkpointSafely, settings.checkpointMillis(),
                    settings.checkpointMillis(), TimeUnit.MILLISECONDS);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "boot", AuditRecord.OK, 0,
                table.size() - 1 + " processes restored", null, null);
    }

    /**
     * Takes over what the previous kernel in this data directory left ({@link SwapHistory}): the
     * scheduler's last swap, and if it ran on another HAL, that HAL swap and how long it held the
     * processes up (from their last step under the old kernel to now, when they run again).
     */
    private void carryOverSwaps(long runningAgain) {
        SwapHistory before = SwapHistory.load(settings.dataDir(), json);
        SwapReport current = lastSwap;
        if (before.scheduler() != null && (current == null || current.from() == null)) lastSwap = before.scheduler();
        lastHalSwap = before.halSwap();
        if (before.hal() != null && !before.hal().equals(hal.name())) {
            lastHalSwap = before.hal() + " -> " + hal.name() + ": the kernel restarted on it, " + (table.size() - 1)
                    + " processes restored, " + (before.haltedMillis() > 0
                    ? "paused " + (runningAgain - before.haltedMillis()) + " ms"
                    : "after an unclean stop (pause unknown)");
            audit.append(runningAgain, AuditRecord.LIFECYCLE, 0, "root", "hal.swap", AuditRecord.OK, 0, lastHalSwap, null, null);
            LOG.info("hal swap {}", lastHalSwap);
        }
        saveSwaps();
    }

    private void saveSwaps() {
        new SwapHistory(lastSwap, hal.name(), haltedMillis, lastHalSwap).save(settings.dataDir(), json);
    }

    /** The last HAL swap as {@code kernel:subsystems} shows it, or null. */
    public String lastHalSwap() {
        return lastHalSwap;
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
        haltedMillis = hal.currentTimeMillis();
        dispatcher.stop(settings.stepTimeoutMillis() + 2000);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (SyscallEntry e : syscalls.values()) calls.addAll(e.inFlight);
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
        checkpointSafely();
    }

    /** Stops the workers after their current step, checkpoints every process and closes the logs. */
    public synchronized void stop() {
        if (!started) return;
        started = false;
        if (haltedMillis == 0) haltedMillis = hal.currentTimeMillis();
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
                table.size() - 1 + " processes checkpointed", null, null);
        if (store != null) {
            checkpoint();
            store.close();
        }
        ipc.close();
        audit.close();
        saveSwaps();
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
        SyscallEntry prev = syscalls.putIfAbsent(e.name, e);
        if (prev != null) {
            LOG.error("tool '{}' from {} refused: {} already provides that syscall", e.name, bundle, prev.provider);
            return false;
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "tool.add", AuditRecord.OK, 0,
                e.name + " from " + bundle, null, null);
        knownSyscalls.remember(e.name);
        wakeSyscallWaiters(e.name);
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) sink.accept(TOPIC_TOOL_ADDED, Map.of("name", e.name, "bundle", bundle));
        return true;
    }

    /**
     * Takes a bundle's tool out of the syscall table. Calls of it still running end at once with
     * {@code ENOSYS} (their tool thread is interrupted): a caller never waits on a bundle that has gone.
     */
    public void removeTool(Tool tool) {
        for (SyscallEntry e : syscalls.values()) {
            if (e.tool == tool && syscalls.remove(e.name, e)) {
                e.removed = true;
                int ended = 0;
                boolean keep = quiescing;
                for (InFlightCall call : e.inFlight) {
                    // Shutting down: the caller keeps the call and makes it again after the restart.
                    if (keep ? call.cancel(false) : call.abandon(ToolRunner.uninstalled(e))) ended++;
                }
                audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "tool.remove", AuditRecord.OK,
                        0, e.name + " from " + e.provider + (ended == 0 ? "" : keep
                                ? "; " + ended + " calls in flight kept to be made again after the restart"
                                : "; " + ended + " calls in flight ended with ENOSYS"),
                        null, null);
                BiConsumer<String, Map<String, Object>> sink = events;
                if (sink != null) sink.accept(TOPIC_TOOL_REMOVED, Map.of("name", e.name, "bundle", e.provider));
            }
        }
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

    /** One of the kernel's own calls that never parks its caller. */
    void addKernelCall(ToolDescriptor d, SyscallEntry.KernelCall call) {
        syscalls.put(d.name(), new SyscallEntry(d, (p, a, outside) -> call.call(p, a), SyscallEntry.Blocking.NEVER));
    }

    /** A kernel call that parks a program's process when it must wait; a caller from outside is told so. */
    void addParkingKernelCall(ToolDescriptor d, SyscallEntry.ParkingCall call) {
        syscalls.put(d.name(), new SyscallEntry(d, call, SyscallEntry.Blocking.WHEN_PROGRAM));
    }

    /** A kernel call that parks its process until something happens: only the process itself may make it. */
    void addBlockingKernelCall(ToolDescriptor d, SyscallEntry.KernelCall call) {
        syscalls.put(d.name(), new SyscallEntry(d, (p, a, outside) -> call.call(p, a), SyscallEntry.Blocking.ALWAYS));
    }

    /**
     * What a scheduler swap did: how many queued processes the new scheduler took over from the
     * old one's exported state, how many the kernel enqueued from the process table (all of them
     * when there was no state or its import failed, else those that became READY meanwhile), how
     * long the swap held processes up (the longest that one pick or enqueue waited while it ran),
     * and how long the whole hand-over took.
     */
    public record SwapReport(String from, String to, int imported, int enqueued, long pauseNanos, long totalNanos,
                             String fallback) {
        @Override
        public String toString() {
            return (from == null ? "none" : from) + " -> " + (to == null ? "none" : to) + ": " + imported
                    + " carried over, " + enqueued + " enqueued from the process table, paused "
                    + String.format(java.util.Locale.ROOT, "%.2f ms of %.2f ms", pauseNanos / 1e6, totalNanos / 1e6)
                    + (fallback == null ? "" : " (" + fallback + ")");
        }
    }

    private final Object swapLock = new Object();
    private volatile SwapReport lastSwap;
    /** The last HAL swap (a restart of the kernel on another HAL), or null. */
    private volatile String lastHalSwap;
    /** When this kernel's processes stopped running for a shutdown (wall clock), else 0. */
    private volatile long haltedMillis;
    /**
     * Set while a scheduler swap runs: the longest that one call into a scheduler (a pick, an
     * enqueue) took meanwhile. That is the pause the swap caused: the time a worker could not
     * get a process, or a process could not be queued.
     */
    private volatile StallMeter swapStall;

    /**
     * Binds a scheduler (null: none), by the swap protocol of {@link Scheduler}, arranged like a
     * live migration with pre-copy so that the pause stays short under load:
     * <ol>
     * <li>export the old scheduler's state while it keeps serving (it holds its lock only as long
     *     as a consistent copy takes; ordering the copy is done outside it);
     * <li>import it into the new scheduler while the old one keeps serving; processes it picks or
     *     queues meanwhile are reconciled below;
     * <li>switch: workers pick from the new scheduler from now on;
     * <li>enqueue into the new scheduler every queued process of the process table the import did
     *     not carry over (arrivals since the export, or all when there was no state or the
     *     import failed). It takes each process's lock, so a worker still enqueuing into the old
     *     scheduler finishes first and is seen.
     * </ol>
     * An entry the new scheduler holds for a process that ran meanwhile is stale and the kernel
     * drops it when it comes up ({@link #pick}). The process table stays the truth throughout, so
     * no process is lost whatever the schedulers do. The pause reported is measured where users
     * feel it: the longest any single pick or enqueue waited while the swap ran.
     */
    public SwapReport setScheduler(Scheduler next, String provider) {
        synchronized (swapLock) {
            Scheduler old = scheduler;
            if (old == next && next != null) return new SwapReport(next.name(), next.name(), 0, 0, 0, 0, "already bound");
            long t0 = hal.nanoTime();
            StallMeter stall = new StallMeter(hal::nanoTime);
            swapStall = stall;
            String fallback = null;
            SchedulerState state = null;
            if (old != null && next != null) {
                try {
                    state = old.exportState();
                    if (state == null) fallback = old.name() + " exports no state";
                } catch (RuntimeException e) {
                    LOG.warn("scheduler {} failed to export its state ({}); rebuilding from the process table", old.name(), e.toString());
                    LOG.debug("export failure", e);
                    fallback = "export failed: " + e.getMessage();
                }
            }
            // Pids fit an int in any realistic run; a larger one is simply enqueued again below.
            java.util.BitSet carried = new java.util.BitSet();
            int imported = 0;
            if (state != null) {
                int[] n = {0};
                try {
                    next.importState(state, pid -> {
                        Proc p = table.get(pid);
                        if (p == null) return null;
                        synchronized (p) {
                            if (!p.queued || p.state != ProcessState.READY) return null;
                        }
                        if (pid < Integer.MAX_VALUE) carried.set((int) pid);
                        n[0]++;
                        return p;
                    });
                    imported = n[0];
                } catch (RuntimeException e) {
                    LOG.warn("scheduler {} refused the state of {} ({}); rebuilding from the process table", next.name(),
                            old.name(), e.getMessage());
                    LOG.debug("import failure", e);
                    fallback = "import failed: " + e.getMessage();
                    carried.clear();
                }
            }
            scheduler = next;
            schedulerProvider = next == null ? null : provider;
            int enqueued = 0;
            if (next != null) {
                for (Proc p : table.values()) {
                    synchronized (p) {
                        if (p.state == ProcessState.READY && p.queued && !(p.pid < Integer.MAX_VALUE && carried.get((int) p.pid))) {
                            next.enqueue(p);
                            enqueued++;
                        }
                    }
                }
                wakeAllWorkers();
            }
            resources.orderBy(next);
            swapStall = null;
            // Calls that began during the swap and still wait belong to it: the hand-over ends with them.
            long pause = stall.longest(1000);
            long done = hal.nanoTime();
            SwapReport report = new SwapReport(old == null ? null : old.name(), next == null ? null : next.name(),
                    imported, enqueued, pause, done - t0, fallback);
            if (old != next) {
                lastSwap = report;
                if (started) saveSwaps();
                audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, "root", "sched.swap", AuditRecord.OK, 0,
                        report.toString(), null, null);
                LOG.info("scheduler swap {}", report);
            }
            return report;
        }
    }

    private void wakeAllWorkers() {
        for (int i = 0; i < dispatcher.size(); i++) dispatcher.signalWork();
    }

    /**
     * Binds memory manager {@code next} (null: none), carrying the bound one's spaces over to it
     * (quiesce, export, import; docs/memory.md): what {@code kernel:swap memory} makes the kernel
     * do. Returns what happened, as {@code kernel:subsystems} shows it.
     */
    public String setMemoryManager(MemoryManager next, String provider) {
        return mem.bind(next, provider);
    }

    public SwapReport lastSwap() {
        return lastSwap;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    String schedulerProvider() {
        return schedulerProvider;
    }

    /** The process-table entry of {@code pid}, or null. */
    Proc procOf(long pid) {
        return table.get(pid);
    }

    /** The process table, for the memory governor. */
    Iterable<Proc> processes() {
        return table.values();
    }

    int readyCount() {
        int n = 0;
        for (Proc p : table.values()) {
            if (p.state == ProcessState.READY) n++;
        }
        return n;
    }

    /** The descriptors of the syscall table, sorted by name: what {@code tool:list} and the gateway show. */
    public List<ToolDescriptor> descriptors() {
        List<ToolDescriptor> out = new ArrayList<>();
        for (SyscallEntry e : syscallTable()) out.add(e.descriptor);
        return out;
    }

    /** The descriptor of syscall {@code name}, or null. */
    public ToolDescriptor descriptor(String name) {
        SyscallEntry e = name == null ? null : syscalls.get(name);
        return e == null ? null : e.descriptor;
    }

    /** The bundle providing syscall {@code name} ("kernel" for its own), or null. */
    public String provider(String name) {
        SyscallEntry e = name == null ? null : syscalls.get(name);
        return e == null ? null : e.provider;
    }

    SyscallEntry syscallEntry(String name) {
        return syscalls.get(name);
    }

    List<SyscallEntry> syscallTable() {
        List<SyscallEntry> all = new ArrayList<>(syscalls.values());
        all.sort(Comparator.comparing(e -> e.name));
        return all;
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

    // ------------------------------------------------------------------ ProcessManager

    @Override
    public long spawn(SpawnSpec spec) throws SyscallException {
        return spawn(init, spec, true);
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
            owner = canonicalOwner(spec.owner() == null ? "root" : spec.owner());
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
        admit(owner);
        long pid = pids.next();
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

    /**
     * Counts a new process of {@code owner}, or refuses it ({@code EAGAIN}, as fork(2) does at
     * RLIMIT_NPROC) when the owner has maxProcessesPerOwner live ones: one tenant cannot fill the
     * process table for everyone.
     */
    private void admit(String owner) throws SyscallException {
        java.util.concurrent.atomic.AtomicInteger live = liveOf(owner);
        int limit = maxProcessesPerOwner;
        if (live.incrementAndGet() > limit && limit > 0) {
            live.decrementAndGet();
            throw new SyscallException(Errno.EAGAIN, "owner " + owner + " has " + limit + " live processes, the most "
                    + "maxProcessesPerOwner allows (PID org.agentos.kernel)");
        }
    }

    private java.util.concurrent.atomic.AtomicInteger liveOf(String owner) {
        return liveByOwner.computeIfAbsent(owner, o -> new java.util.concurrent.atomic.AtomicInteger());
    }

    private void release(String owner) {
        java.util.concurrent.atomic.AtomicInteger live = liveByOwner.get(owner);
        if (live != null) live.decrementAndGet();
    }

    /** Live processes of {@code owner}. */
    int liveProcesses(String owner) {
        java.util.concurrent.atomic.AtomicInteger live = liveByOwner.get(owner);
        return live == null ? 0 : live.get();
    }

    /** Syscall records one owner may add to the audit log per second (0: no limit); applied at once. */
    public void setAuditRecordsPerOwner(int perSecond) {
        audit.setOwnerRecordsPerSecond(perSecond);
    }

    /** Most live processes one owner may have (0: no limit); applied at once. */
    public void setMaxProcessesPerOwner(int max) {
        if (max < 0) throw new IllegalArgumentException("maxProcessesPerOwner must be >= 0 (0: no limit)");
        maxProcessesPerOwner = max;
    }

    /**
     * Puts the new process {@code p} into the table and under {@code parent} (or init, if the
     * parent ended meanwhile), audits {@code how} (spawn, fork), makes it READY and posts SPAWNED.
     */
    private void enroll(Proc parent, Proc p, String how) {
        table.put(p.pid, p);
        synchronized (tree) {
            Proc actual = parent;
            // end() marks a process terminal before it re-parents its children under this lock.
            if (parent.state.isTerminal()) {
                actual = init;
            }
            p.ppid = actual.pid;
            if (actual != init) {
                if (actual.children == null) actual.children = new LinkedHashSet<>(4);
                actual.children.add(p);
            }
        }
        audit.append(new AuditWriter.Entry(hal.nanoTime(), p.startedMillis, AuditRecord.LIFECYCLE, p.pid, p.owner, how,
                AuditRecord.OK, 0, p.programName, parent.pid, null, null));
        synchronized (p) {
            p.state = ProcessState.READY;
            markDirtyLocked(p);
            enqueueLocked(p);
        }
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) sink.accept(TOPIC_SPAWNED, Map.of("pid", p.pid, "ppid", parent.pid, "owner", p.owner, "program", p.programName));
    }

    /** Validates an owner name once and returns one shared instance of it (a million processes, a few owners). */
    private String canonicalOwner(String owner) throws SyscallException {
        String known = owners.get(owner);
        if (known != null) return known;
        if (!OWNER.matcher(owner).matches()) {
            throw new SyscallException(Errno.EINVAL, "owner must be 1-64 letters, digits or . _ @ -: '" + owner + "'");
        }
        if (owners.size() > 100_000) return owner.intern();
        String prev = owners.putIfAbsent(owner, owner);
        return prev == null ? owner : prev;
    }

    @Override
    public void pause(long pid) throws SyscallException {
        Proc p = lookup(pid);
        if (p == init) throw new SyscallException(Errno.EPERM, "init cannot be paused: it adopts and reaps the orphans");
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
            markDirtyLocked(p);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "pause", AuditRecord.OK, 0, null, null, null);
    }

    @Override
    public void resume(long pid) throws SyscallException {
        Proc p = lookup(pid);
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
            markDirtyLocked(p);
        }
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, pid, p.owner, "resume", AuditRecord.OK, 0, null, null, null);
    }

    @Override
    public void terminate(long pid) throws SyscallException {
        signal(lookup(pid), false, "operator");
    }

    @Override
    public void kill(long pid) throws SyscallException {
        signal(lookup(pid), true, "operator");
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
        if (p == init) throw new SyscallException(Errno.EPERM, "init cannot be " + (kill ? "killed" : "terminated"));
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
            markDirtyLocked(p);
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
        Proc p = lookup(pid);
        synchronized (p) {
            if (p.exit != null) return CompletableFuture.completedFuture(p.exit);
            if (p.exitFuture == null) p.exitFuture = new CompletableFuture<>();
            return p.exitFuture.copy();
        }
    }

    @Override
    public Optional<ProcessInfo> info(long pid) {
        Proc p = table.get(pid);
        return p == null ? Optional.empty() : Optional.of(info(p));
    }

    private ProcessInfo info(Proc p) {
        List<Long> children;
        synchronized (tree) {
            children = p.childPids();
        }
        return p.info(hal.currentTimeMillis(), children);
    }

    @Override
    public List<ProcessInfo> list(int limit) {
        return list(ProcessQuery.all(limit)).processes();
    }

    /** One pass over the table keeping the {@code limit} lowest matching pids in a bounded heap. */
    @Override
    public ProcessListing list(ProcessQuery q) {
        PriorityQueue<Proc> lowest = new PriorityQueue<>(Comparator.comparingLong((Proc p) -> p.pid).reversed());
        int matching = 0;
        for (Proc p : table.values()) {
            ProcessState state;
            synchronized (p) {
                state = p.state;
            }
            if (!q.matches(p.pid, p.owner, p.programName, state)) continue;
            matching++;
            if (lowest.size() < q.limit()) {
                lowest.add(p);
            } else if (p.pid < lowest.peek().pid) {
                lowest.poll();
                lowest.add(p);
            }
        }
        List<Proc> page = new ArrayList<>(lowest);
        page.sort(Comparator.comparingLong(p -> p.pid));
        List<ProcessInfo> out = new ArrayList<>(page.size());
        for (Proc p : page) out.add(info(p));
        return new ProcessListing(out, matching);
    }

    @Override
    public int count() {
        return table.size();
    }

    @Override
    public List<ProgramInfo> programs() {
        List<ProgramInfo> out = new ArrayList<>();
        programs.forEach((name, e) -> out.add(new ProgramInfo(name, e.program().description(), e.bundle())));
        out.sort(Comparator.comparing(ProgramInfo::name));
        return out;
    }

    private Proc lookup(long pid) throws SyscallException {
        Proc p = table.get(pid);
        if (p == null) throw new SyscallException(Errno.ESRCH, "no process " + pid);
        return p;
    }

    Proc proc(long pid) {
        return table.get(pid);
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
        Scheduler s = scheduler;
        if (s != null) {
            StallMeter stall = swapStall;
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
        Scheduler s = scheduler;
        if (s != null) s.remove(p);
    }

    private Proc pick() {
        StallMeter stall = swapStall;
        if (stall == null) return pickFrom(scheduler);
        long t0 = stall.begin();
        try {
            return pickFrom(scheduler);
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
                    if (e == null && awaitsBundle(name)) {
                        holdUntilSyscallLocked(p, name);
                        early = null;
                    } else {
                        early = mediator.beginLocked(p, e, name, t0);
                    }
                }
                if (e == null && early == null) {
                    awaitSyscall(p, name);
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
            Scheduler s = scheduler;
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
                markDirtyLocked(p);
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
                        if (e == null && awaitsBundle(name)) {
                            holdUntilSyscallLocked(p, name);
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
                awaitSyscall(p, name);
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

    /**
     * During the boot grace period, {@code p} asked for syscall {@code name}, which no bundle has
     * registered yet (restored processes run before the bundles that provide their tools): it
     * waits READY, off the run queue, with the call held, until the syscall appears or the grace
     * period ends. Holds p.
     */
    private void holdUntilSyscallLocked(Proc p, String name) {
        p.state = ProcessState.READY;
        p.waitingOn = "syscall '" + name + "' to be registered (boot)";
    }

    private boolean awaitsBundle(String name) {
        return booting && knownSyscalls.contains(name);
    }

    /** Registers {@code p} as waiting, after {@link #holdUntilSyscallLocked}; wakes it if the syscall came meanwhile. */
    private void awaitSyscall(Proc p, String name) {
        waitingForSyscall.add(p);
        if (syscalls.containsKey(name) || !booting) wakeSyscallWaiters(name);
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
                    enqueueLocked(p);
                }
            }
        }
    }

    private void bootGraceOver() {
        booting = false;
        if (!waitingForSyscall.isEmpty()) {
            LOG.warn("boot grace period over: {} processes still wait for syscalls no bundle registered; their calls fail "
                    + "with ENOSYS", waitingForSyscall.size());
        }
        wakeSyscallWaiters(null);
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
        admit(parent.owner);
        long pid = pids.next();
        Proc child = new Proc(pid, parent.pid, parent.owner, parent.programName, parent.nice, parent.schedClass, parent.caps,
                withinParentsWallTime(parent.quotas, parent), now());
        child.budget = parent.budget; // same quotas: it spends from its parent's tree budget
        child.programState = copy;
        child.lastResult = SyscallResult.ok(json.createObjectNode().put("pid", 0).put("ppid", parent.pid));
        try {
            mem.fork(m, parent, child); // before the child can run: it starts with its parent's memory
        } catch (SyscallException | RuntimeException e) {
            release(parent.owner);
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
            markDirtyLocked(p);
        }
        if (p != init) release(p.owner);
        waitingForProgram.remove(p);
        waitingForSyscall.remove(p);
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
        synchronized (tree) {
            if (p.children != null) {  // re-parent to init
                for (Proc c : p.children) {
                    c.ppid = INIT_PID;
                    if (c.state.isTerminal()) orphanZombies.add(c);
                }
                p.children = null;
            }
            parent = table.get(p.ppid);
            if (parent == null || parent == init) {
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
                initZombies.addLast(z);
            }
            while (initZombies.size() > settings.zombieRetention()) {
                toReap.add(initZombies.removeFirst());
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
        if (table.remove(z.pid, z)) {
            synchronized (z) {
                z.reaped = true;
                markDirtyLocked(z);
            }
        }
    }

    /**
     * proc.wait: reaps an ended child at once, or blocks {@code p} until one ends. {@code pid} -1
     * means any child. Returns null when the caller blocked.
     */
    SyscallResult waitChild(Proc p, long pid, long timeoutMillis) throws SyscallException {
        Proc zombie = null;
        synchronized (tree) {
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
                Proc c = table.get(pid);
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

    boolean isDescendant(Proc ancestor, Proc p) {
        synchronized (tree) {
            for (Proc q = p; q != null && q.pid != INIT_PID; q = table.get(q.ppid)) {
                if (q.ppid == ancestor.pid) return true;
            }
            return false;
        }
    }

    // ------------------------------------------------------------------ checkpoints

    void markDirtyLocked(Proc p) {
        if (store == null || p.dirty) return;
        p.dirty = true;
        dirty.add(p);
    }

    private void checkpointSafely() {
        try {
            checkpoint();
        } catch (RuntimeException e) {
            LOG.error("checkpoint failed; will retry", e);
        }
    }

    /**
     * Writes every process changed before the call to the store with one fsync. Only those: busy
     * processes mark themselves dirty again while it writes, and draining until the queue is empty
     * never ends under load (and {@link #stop} waits for it).
     */
    synchronized void checkpoint() {
        if (store == null) return;
        List<ProcRecord> batch = new ArrayList<>();
        Proc p;
        for (int left = dirty.size(); left > 0 && (p = dirty.poll()) != null; left--) {
            synchronized (p) {
                p.dirty = false;
                batch.add(p.reaped ? ProcRecord.tombstone(p.pid) : record(p));
            }
            if (batch.size() >= 10_000) {
                store.append(batch);
                batch.clear();
            }
        }
        store.append(batch);
        if (store.wantsCompaction()) {
            List<ProcRecord> live = new ArrayList<>();
            for (Proc q : table.values()) {
                if (q == init) continue;
                synchronized (q) {
                    live.add(record(q));
                }
            }
            store.rewrite(live);
        }
    }

    private ProcRecord record(Proc p) {
        Map<String, Long> byName = new HashMap<>();
        if (p.callNames != null) {
            for (int i = 0; i < p.callNames.length; i++) byName.put(p.callNames[i], p.callCounts[i]);
        }
        SyscallResult last = p.lastResult;
        return new ProcRecord(ProcRecord.VERSION, p.pid, p.ppid, p.owner, p.programName, p.state, p.nice,
                p.caps.patterns(), p.quotas, p.startedMillis, p.cpuNanos, p.steps, p.syscalls, p.bytes, p.tokens,
                byName, json.valueToTree(p.programState), last == null ? null : last.value(),
                last == null ? null : last.errno(), last == null || last.isOk() ? null : last.message(),
                p.callName, p.callArgs, p.sleepUntilMillis, p.waitFor, p.pausePending, p.terminatePending, p.exit,
                p.endedMillis, false, p.schedClass == SchedClass.NORMAL ? null : p.schedClass,
                p.budget == null ? null : p.budget.chain());
    }

    /** Rebuilds the process table from checkpoint records; interrupted calls are made again. */
    private void restore(Map<Long, ProcRecord> records) {
        long maxPid = 1;
        Map<Long, TreeBudget> budgets = new HashMap<>();
        List<Proc> restored = new ArrayList<>();
        for (ProcRecord r : records.values()) {
            maxPid = Math.max(maxPid, r.pid());
            if (r.pid() == INIT_PID) continue;
            CapabilitySet caps;
            try {
                caps = CapabilitySet.of(r.caps() == null ? List.of() : r.caps());
            } catch (SyscallException e) {
                LOG.error("checkpoint of pid {} has bad capabilities; it gets none: {}", r.pid(), e.getMessage());
                caps = CapabilitySet.NONE;
            }
            Proc p = new Proc(r.pid(), r.ppid(), r.owner().intern(), r.program().intern(), r.nice(),
                    r.schedClass() == null ? SchedClass.NORMAL : r.schedClass(), caps,
                    r.quotas() == null ? Quotas.NONE : r.quotas(), r.startedMillis());
            p.cpuNanos = r.cpuNanos();
            p.budget = TreeBudget.restore(r.budget(), budgets);
            p.steps = r.steps();
            p.syscalls = r.syscalls();
            p.bytes = r.bytes();
            p.tokens = r.tokens();
            if (r.syscallsByName() != null && !r.syscallsByName().isEmpty()) {
                p.callNames = r.syscallsByName().keySet().toArray(new String[0]);
                p.callCounts = new long[p.callNames.length];
                for (int i = 0; i < p.callNames.length; i++) {
                    p.callNames[i] = p.callNames[i].intern();
                    p.callCounts[i] = r.syscallsByName().get(p.callNames[i]);
                }
            }
            p.programState = r.programState();
            if (r.lastErrno() != null) p.lastResult = SyscallResult.error(r.lastErrno(), r.lastMessage());
            else if (r.lastValue() != null) p.lastResult = SyscallResult.ok(r.lastValue());
            p.callName = r.callName();
            p.callArgs = r.callArgs();
            p.sleepUntilMillis = r.sleepUntilMillis();
            p.usedMemory = true; // not checkpointed: assume it has memory, so that its exit frees it
            p.waitFor = r.waitFor();
            p.pausePending = r.pausePending();
            p.terminatePending = r.terminatePending();
            p.exit = r.exit();
            p.endedMillis = r.endedMillis();
            ProcessState s = r.state();
            if (s == ProcessState.PAUSED) {
                p.state = ProcessState.PAUSED;
            } else if (s.isTerminal()) {
                p.state = s;
            } else {
                p.state = ProcessState.READY; // RUNNING, BLOCKED, READY: run again from the last checkpoint
            }
            table.put(p.pid, p);
            restored.add(p);
            // restored processes count against their owner's limit, but are never refused: they exist already
            if (!p.state.isTerminal()) liveOf(p.owner).incrementAndGet();
        }
        pids.atLeast(maxPid + 1);

        synchronized (tree) {
            for (Proc p : restored) {
                Proc parent = table.get(p.ppid);
                if (parent == null || parent.state.isTerminal()) {
                    p.ppid = INIT_PID;
                    parent = init;
                }
                if (parent == init) {
                    if (p.state.isTerminal()) initZombies.addLast(p);
                } else {
                    if (parent.children == null) parent.children = new LinkedHashSet<>(4);
                    parent.children.add(p);
                }
            }
        }
        // Program states come back as JSON trees; run() turns them into typed values once the program is bound.
        for (Proc p : restored) {
            synchronized (p) {
                if (p.state == ProcessState.READY) enqueueLocked(p);
            }
        }
    }

    int zombiesOfInit() {
        synchronized (tree) {
            return initZombies.size();
        }
    }
}
