package org.agentos.kernel.impl.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsUsage;
import org.agentos.kernel.api.memory.MemUsage;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.ProcessCounters;
import org.agentos.kernel.api.telemetry.SyscallEvent;
import org.agentos.kernel.api.telemetry.SyscallMetrics;
import org.agentos.kernel.api.telemetry.SyscallObserver;
import org.agentos.kernel.api.telemetry.SystemMetrics;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.syscall.SyscallEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's counters and its syscall observers. The hot path (a call ends, a step ends) adds
 * to counters found once per syscall and once per process; the rest (a pass over the process
 * table, the stores' usage) is done when someone reads {@link #system()}.
 */
public final class Telemetry implements KernelMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static final SyscallObserver[] NONE = {};

    private final Kernel k;
    private final ConcurrentHashMap<String, CallCounters> calls = new ConcurrentHashMap<>();
    private final CallCounters unknown = new CallCounters(SyscallMetrics.UNKNOWN, "CPU");
    private final ConcurrentHashMap<String, OwnerCounters> owners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Swaps> swaps = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<SyscallObserver> observerList = new CopyOnWriteArrayList<>();
    /** What the hot path reads: one volatile load, and nothing more while it is empty. */
    private volatile SyscallObserver[] observers = NONE;
    /** The HAL's monotonic clock to epoch nanoseconds, for observers' timestamps. */
    private final long epochOffsetNanos;
    private volatile long lastObserverFailureNanos;

    public Telemetry(Kernel k) {
        this.k = k;
        this.epochOffsetNanos = k.hal.currentTimeMillis() * 1_000_000 - k.hal.nanoTime();
    }

    // ------------------------------------------------------------------ the hot path

    /** The counters of {@code p}'s owner, found once per process. */
    OwnerCounters owner(Proc p) {
        OwnerCounters o = p.ownerCounters;
        if (o == null) p.ownerCounters = o = owners.computeIfAbsent(p.owner, x -> new OwnerCounters());
        return o;
    }

    /** A step of {@code p} ran for {@code cpuNanos}. */
    public void stepped(Proc p, long cpuNanos) {
        OwnerCounters o = owner(p);
        o.cpuNanos.add(cpuNanos);
        o.steps.increment();
    }

    /** {@code p} was charged {@code tokens} model tokens. */
    public void tokens(Proc p, long tokens) {
        owner(p).tokens.add(tokens);
    }

    /**
     * A call of {@code p} ended ({@code e} null: the name was not in the table), between the HAL's
     * {@code startNanos} and {@code endNanos}: counted, and told to the observers.
     */
    public void ended(Proc p, SyscallEntry e, String name, JsonNode args, SyscallResult r, long startNanos, long endNanos,
                      String via) {
        CallCounters c = e == null ? unknown : e.counters;
        if (c == null) e.counters = c = calls.computeIfAbsent(e.name, n -> new CallCounters(n, e.descriptor.resourceClass().name()));
        c.ended(r.isOk() ? null : r.errno(), endNanos - startNanos);
        owner(p).syscalls.increment();
        SyscallObserver[] obs = observers;
        if (obs.length == 0) return;
        SyscallEvent event = new SyscallEvent(p.pid, p.owner, p.programName, p.startedMillis, name,
                e == null ? null : e.descriptor.resourceClass().name(), args, r, startNanos + epochOffsetNanos,
                endNanos - startNanos, via);
        for (SyscallObserver o : obs) {
            try {
                o.syscallEnded(event);
            } catch (RuntimeException ex) {
                failed(o, ex);
            }
        }
    }

    /** {@code p} ended (its exit status is set). */
    public void processEnded(Proc p) {
        SyscallObserver[] obs = observers;
        if (obs.length == 0 || p == k.procs.init) return;
        for (SyscallObserver o : obs) {
            try {
                o.processEnded(p.pid, p.owner, p.programName, p.startedMillis, p.endedMillis, p.exit);
            } catch (RuntimeException ex) {
                failed(o, ex);
            }
        }
    }

    /** An observer's failure: logged at most once a second, the kernel goes on. */
    private void failed(SyscallObserver o, RuntimeException ex) {
        long now = k.hal.nanoTime();
        if (now - lastObserverFailureNanos < 1_000_000_000L) return;
        lastObserverFailureNanos = now;
        LOG.warn("syscall observer {} failed (further failures within a second are not logged)", o.getClass().getName(), ex);
    }

    // ------------------------------------------------------------------ observers and swaps

    public void addObserver(SyscallObserver o) {
        if (!observerList.addIfAbsent(o)) return;
        observers = observerList.toArray(NONE);
    }

    public void removeObserver(SyscallObserver o) {
        if (!observerList.remove(o)) return;
        observers = observerList.toArray(NONE);
    }

    /** A swap of {@code subsystem} to {@code bound} held processes up for {@code pauseNanos}. */
    public void swapped(String subsystem, String bound, long pauseNanos) {
        swaps.computeIfAbsent(subsystem, s -> new Swaps()).add(bound, pauseNanos);
    }

    private static final class Swaps {
        private String bound;
        private long count;
        private long pauseNanos;
        private long lastPauseNanos;

        synchronized void add(String to, long pause) {
            bound = to;
            count++;
            pauseNanos += pause;
            lastPauseNanos = pause;
        }

        synchronized SystemMetrics.Swaps metrics(String subsystem) {
            return new SystemMetrics.Swaps(subsystem, bound, count, pauseNanos / 1e9, lastPauseNanos / 1e9);
        }
    }

    // ------------------------------------------------------------------ reading

    @Override
    public List<SyscallMetrics> syscalls() {
        List<SyscallMetrics> out = new ArrayList<>();
        for (CallCounters c : calls.values()) out.add(c.metrics());
        out.add(unknown.metrics());
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public SystemMetrics system() {
        Map<ProcessState, Long> states = new EnumMap<>(ProcessState.class);
        for (ProcessState s : ProcessState.values()) states.put(s, 0L);
        Map<String, Long> live = new HashMap<>();
        for (Proc p : k.procs.all()) {
            if (p == k.procs.init) continue;
            ProcessState s;
            synchronized (p) {
                s = p.state;
            }
            states.merge(s, 1L, Long::sum);
            if (!s.isTerminal()) live.merge(p.owner, 1L, Long::sum);
        }
        Map<String, SystemMetrics.Owner> byOwner = new HashMap<>();
        owners.forEach((name, o) -> byOwner.put(name, new SystemMetrics.Owner(live.getOrDefault(name, 0L), o.cpuNanos.sum(),
                o.steps.sum(), o.syscalls.sum(), o.tokens.sum())));
        live.forEach((name, n) -> byOwner.putIfAbsent(name, new SystemMetrics.Owner(n, 0, 0, 0, 0)));
        List<SystemMetrics.Swaps> swapped = new ArrayList<>();
        swaps.forEach((s, w) -> swapped.add(w.metrics(s)));
        return new SystemMetrics(states, byOwner, k.dispatcher.size(), k.dispatcher.busy(), k.memory.level().name(),
                k.resources.gateMetrics(), swapped, memory(), files(), k.audit.backlog());
    }

    @Override
    public List<ProcessCounters> processes() {
        List<ProcessCounters> out = new ArrayList<>();
        for (Proc p : k.procs.all()) {
            if (p == k.procs.init) continue;
            synchronized (p) {
                if (p.state.isTerminal()) continue;
                out.add(new ProcessCounters(p.pid, p.owner, p.programName, p.state, p.cpuNanos, p.steps, p.syscalls, p.tokens));
            }
        }
        return out;
    }

    private SystemMetrics.Storage memory() {
        MemoryManager m = k.mem.manager();
        if (m == null) return new SystemMetrics.Storage(0, 0, 0);
        long bytes = 0;
        long spaces = 0;
        long holders = 0;
        for (MemUsage u : m.usage()) {
            bytes += u.bytes();
            spaces += u.spaces();
            holders++;
        }
        return new SystemMetrics.Storage(bytes, spaces, holders);
    }

    private SystemMetrics.Storage files() {
        FileSystem fs = k.images.files();
        if (fs == null) return null;
        long bytes = 0;
        long files = 0;
        long holders = 0;
        try {
            for (FsUsage u : fs.usage()) {
                bytes += u.bytes() + u.historyBytes();
                files += u.files();
                holders++;
            }
        } catch (RuntimeException stopping) {
            return null; // the filesystem is going away: no figure rather than a wrong one
        }
        return new SystemMetrics.Storage(bytes, files, holders);
    }
}
