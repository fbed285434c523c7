package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.audit.AuditWriter;
import org.agentos.kernel.impl.cpu.Dispatcher;
import org.agentos.kernel.impl.cpu.SchedulerSwap;
import org.agentos.kernel.impl.cpu.Stepper;
import org.agentos.kernel.impl.cpu.SwapReport;
import org.agentos.kernel.impl.ipc.Ipc;
import org.agentos.kernel.impl.mem.MemoryCalls;
import org.agentos.kernel.impl.persist.Checkpoints;
import org.agentos.kernel.impl.persist.ProcRecord;
import org.agentos.kernel.impl.debug.Debugger;
import org.agentos.kernel.impl.debug.Top;
import org.agentos.kernel.impl.journal.CallJournal;
import org.agentos.kernel.impl.journal.JournalRecovery;
import org.agentos.kernel.impl.persist.ProcStore;
import org.agentos.kernel.impl.proc.Exits;
import org.agentos.kernel.impl.proc.Lifecycle;
import org.agentos.kernel.impl.proc.PrincipalProgram;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.ProcessTable;
import org.agentos.kernel.impl.proc.Programs;
import org.agentos.kernel.impl.resource.MemoryGovernor;
import org.agentos.kernel.impl.resource.Resources;
import org.agentos.kernel.impl.security.PermissionRegistry;
import org.agentos.kernel.impl.syscall.CallJournaling;
import org.agentos.kernel.impl.syscall.KernelSyscalls;
import org.agentos.kernel.impl.syscall.Mediator;
import org.agentos.kernel.impl.syscall.ParkedCalls;
import org.agentos.kernel.impl.syscall.Replay;
import org.agentos.kernel.impl.syscall.SyscallEntry;
import org.agentos.kernel.impl.syscall.SyscallTable;
import org.agentos.kernel.impl.syscall.ToolRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel, free of OSGi so that tests and benchmarks drive it directly: it builds its parts
 * (one per concern, in the packages beside this one: {@code proc}, {@code cpu}, {@code syscall},
 * {@code resource}, {@code audit}, {@code persist}, {@code ipc}, {@code mem}), wires them, runs
 * the kernel's life (start, quiesce, stop), and is the {@link ProcessManager} and {@link AuditLog}
 * that {@code KernelComponent} registers. The parts reach each other through its fields.
 *
 * <p>Locking: each {@link Proc}'s monitor guards its state; {@link ProcessTable#tree} guards
 * parent/child links. The tree lock is always taken before a process lock, never after.
 */
public final class Kernel implements ProcessManager, AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);
    public static final String INIT = "init";

    public final Hal hal;
    public final KernelSettings settings;
    public final ObjectMapper json;
    /** Set once the framework shuts down: tool calls a departing bundle leaves are kept for the restart. */
    private volatile boolean quiescing;
    public final AuditWriter audit;
    public final MemoryGovernor memory = new MemoryGovernor(this);
    /** Installed programs. */
    public final Programs programs = new Programs(this);
    /** What a CPU worker does with a process: pick, step, hand its call to the mediator. */
    public final Stepper stepper = new Stepper(this);
    /** Spawn, fork, pause, resume, signals. */
    public final Lifecycle lifecycle;
    /** Exit, wait, reap, and the exit listeners. */
    public final Exits exits = new Exits(this);
    /** The mediation path every syscall takes. */
    public final Mediator mediator = new Mediator(this);
    /** How a program's process waits for its call and how the wait ends. */
    public final ParkedCalls parked = new ParkedCalls(this);
    public final CallJournaling journaling = new CallJournaling(this);
    public final Replay replay = new Replay(this);
    public final org.agentos.kernel.impl.image.Images images = new org.agentos.kernel.impl.image.Images(this);
    public final Debugger debugger = new Debugger(this);
    public final Top top = new Top(this);
    /** Counters for exporters, and the syscall observers. */
    public final org.agentos.kernel.impl.telemetry.Telemetry telemetry;
    /** LLM gates, byte rates and the byte quota. */
    public final Resources resources;
    /** Tools that are not CPU-bound: the I/O executor, timeouts, retries. */
    public final ToolRunner tools;
    /** Message queues and mailboxes. */
    public final Ipc ipc = new Ipc(this);
    /** The bound memory manager and the mem.* calls. */
    public final MemoryCalls mem = new MemoryCalls(this);

    /** The message queues, as operators and benchmarks drive them. */
    public org.agentos.kernel.api.ipc.MessageQueues ipc() {
        return ipc;
    }
    /** Processes by pid, the tree, pids, owners. */
    public final ProcessTable procs;
    /** Bundles' tools and the kernel's own calls. */
    public final SyscallTable syscalls;
    /** The bound scheduler and its hot swap. */
    public final SchedulerSwap schedulers = new SchedulerSwap(this);
    /** The durable process table. */
    public final Checkpoints checkpoints;
    /** The call journal; null when the kernel keeps no state on disk. */
    public final CallJournal journal;
    public final Dispatcher dispatcher;
    public final ScheduledThreadPoolExecutor timers;
    private volatile long nowMillis;
    private volatile boolean started;
    private ScheduledFuture<?> checkpointTask;
    private java.util.concurrent.ScheduledExecutorService checkpointer;

    public Kernel(Hal hal, KernelSettings settings) {
        this.hal = hal;
        this.telemetry = new org.agentos.kernel.impl.telemetry.Telemetry(this);
        exits.addListener(telemetry::processEnded);
        this.settings = settings;
        this.json = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        this.lifecycle = new Lifecycle(this);
        this.audit = new AuditWriter(settings.dataDir() == null ? null : settings.dataDir().resolve("audit"),
                settings.auditFsync(), settings.auditSegmentBytes(), settings.auditSegments(),
                settings.auditRetentionMillis(), json, hal::nanoTime, hal::currentTimeMillis);
        this.checkpoints = new Checkpoints(this, settings.dataDir() == null ? null
                : new ProcStore(settings.dataDir(), json, 256L << 20));
        this.procs = new ProcessTable(hal, settings.dataDir());
        this.journal = settings.dataDir() == null ? null : new CallJournal(settings.dataDir(), json,
                settings.journalRetentionMillis(), hal::currentTimeMillis, pid -> JournalRecovery.endedMillis(this, pid),
                pid -> JournalRecovery.snapshotOf(this, pid));
        this.syscalls = new SyscallTable(this);
        int workers = settings.workers() > 0 ? settings.workers() : Math.max(1, hal.cpuCount());
        this.dispatcher = new Dispatcher(new Dispatcher.Runner() {
            @Override
            public Proc pick() {
                return stepper.pick();
            }

            @Override
            public void run(Proc p, Dispatcher.Worker w) {
                stepper.run(p, w);
            }

            @Override
            public void watchdogExpired(Proc p, long ranMillis) {
                exits.end(p, ProcessState.KILLED, 137, "watchdog: one step ran for " + ranMillis + " ms (limit "
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
        // what a process holds elsewhere is let go of when it ends
        exits.addListener(ipc::processEnded);
        exits.addListener(mem::processEnded);
        exits.addListener(programs::forget);
        exits.addListener(syscalls::forget);
        exits.addListener(debugger::processEnded);
        KernelSyscalls.register(this);
        addProgram(new PrincipalProgram(), "kernel");
    }

    public static ThreadFactory daemon(String prefix) {
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
        if (journal != null) JournalRecovery.recover(this);
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
        if (journal != null) journal.close();
        ipc.close();
        audit.close();
        schedulers.saveSwaps();
    }

    /** Wall-clock milliseconds, refreshed every millisecond. */
    public long now() {
        return nowMillis;
    }

    // ------------------------------------------------------------------ subsystems

    public void addProgram(Program<?> program, String bundle) {
        programs.add(program, bundle);
    }

    public void removeProgram(Program<?> program) {
        programs.remove(program);
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

    /** An IPC event (queue created, deleted, redriven) in the audit log. */
    public void auditEvent(String name, String owner, String detail) {
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
        MemoryManager before = mem.manager();
        long t0 = hal.nanoTime();
        String done = mem.bind(next, provider);
        if (before != null && next != null && before != next) telemetry.swapped("memory", next.name(), hal.nanoTime() - t0);
        return done;
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

    /**
     * The syscall gateway outside OSGi (tests, benchmarks, embedding), its calls audited as made
     * via {@code bundle}; in OSGi each bundle gets its own from the service, with its permission checked.
     */
    public org.agentos.kernel.api.syscall.SyscallGateway gateway(String bundle) {
        return new org.agentos.kernel.impl.syscall.KernelGateway(() -> this, bundle);
    }

    /** Whether {@code name} is in the table and may be made from outside a program (not a call that only parks its caller). */
    public boolean callableFromOutside(String name) {
        org.agentos.kernel.impl.syscall.SyscallEntry e = syscalls.get(name);
        return e != null && e.callableFromOutside();
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
    public void post(String topic, Map<String, ?> properties) {
        BiConsumer<String, Map<String, Object>> sink = events;
        if (sink != null) {
            @SuppressWarnings("unchecked") Map<String, Object> props = (Map<String, Object>) properties;
            sink.accept(topic, props);
        }
    }

    public boolean started() {
        return started;
    }

    public void wakeAllWorkers() {
        for (int i = 0; i < dispatcher.size(); i++) dispatcher.signalWork();
    }

    // ------------------------------------------------------------------ ProcessManager

    @Override
    public long spawn(SpawnSpec spec) throws SyscallException {
        return lifecycle.spawn(procs.init, spec, true);
    }

    @Override
    public long spawnFor(org.agentos.kernel.api.cluster.RemoteCaller caller, SpawnSpec spec) throws SyscallException {
        return lifecycle.spawnFor(caller, spec);
    }

    /** Syscall records one owner may add to the audit log per second (0: no limit); applied at once. */
    public void setAuditRecordsPerOwner(int perSecond) {
        audit.setOwnerRecordsPerSecond(perSecond);
    }

    @Override
    public void terminate(long pid) throws SyscallException {
        lifecycle.signal(procs.lookup(pid), false, "operator");
    }

    @Override
    public void kill(long pid) throws SyscallException {
        lifecycle.signal(procs.lookup(pid), true, "operator");
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
    public List<ProgramInfo> programs() {
        return programs.list();
    }

    @Override
    public void pause(long pid) throws SyscallException {
        lifecycle.pause(pid);
    }

    @Override
    public void resume(long pid) throws SyscallException {
        lifecycle.resume(pid);
    }

    @Override
    public CompletionStage<ExitStatus> awaitExit(long pid) throws SyscallException {
        return lifecycle.awaitExit(pid);
    }

    @Override
    public int count() {
        return procs.size();
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

    @Override
    public void record(String name, String outcome, String owner, String detail) {
        audit.append(hal.currentTimeMillis(), AuditRecord.LIFECYCLE, 0, cut(owner == null ? "anonymous" : owner, 64),
                cut(name, 64), cut(outcome, 32), 0, cut(detail, 1000), null, null);
    }

    private static String cut(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
    }

    // ------------------------------------------------------------------ scheduling and stepping

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
    public void chargeBytes(Proc p, long bytes) throws SyscallException {
        resources.chargeBytes(p, bytes, null);
    }

    public boolean quiescing() {
        return quiescing;
    }

    // ------------------------------------------------------------------ exit, reaping, waiting

    // ------------------------------------------------------------------ checkpoints

}
