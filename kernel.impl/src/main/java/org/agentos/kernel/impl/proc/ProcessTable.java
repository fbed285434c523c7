package org.agentos.kernel.impl.proc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;

/**
 * The process table: processes by pid, init and its zombies, the parent/child tree and its
 * lock, pids (never reused), owner names (validated once, shared) and the live processes per
 * owner that {@code maxProcessesPerOwner} bounds.
 */
public final class ProcessTable {
    private final Hal hal;

    public ProcessTable(Hal hal, java.nio.file.Path dataDir) {
        this.hal = hal;
        this.pids = new PidAllocator(dataDir, Kernel.INIT_PID + 1);
        this.init = new Proc(Kernel.INIT_PID, 0, "root", Kernel.INIT, 0, SchedClass.NORMAL, CapabilitySet.ALL, Quotas.NONE,
                hal.currentTimeMillis());
        init.state = ProcessState.BLOCKED;
        init.waitingOn = "proc.wait";
        table.put(Kernel.INIT_PID, init);
    }

    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");

    private final ConcurrentHashMap<Long, Proc> table = new ConcurrentHashMap<>(1 << 12);

    private final PidAllocator pids;

    /** Live (not ended) processes per owner: what maxProcessesPerOwner bounds. */
    private final ConcurrentHashMap<String, AtomicInteger> liveByOwner = new ConcurrentHashMap<>();

    /** Most live processes one owner may have; 0 = no limit. Applied without a restart. */
    private volatile int maxProcessesPerOwner = DEFAULT_MAX_PROCESSES_PER_OWNER;

    public static final int DEFAULT_MAX_PROCESSES_PER_OWNER = 20_000;

    /** Guards parent/child links; taken before a process lock, never after. */
    final Object tree = new Object();

    /** Pid 1: adopts orphans and reaps them. */
    public final Proc init;

    final ArrayDeque<Proc> initZombies = new ArrayDeque<>();

    private final ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();

    /**
     * Counts a new process of {@code owner}, or refuses it ({@code EAGAIN}, as fork(2) does at
     * RLIMIT_NPROC) when the owner has maxProcessesPerOwner live ones: one tenant cannot fill the
     * process table for everyone.
     */
    public void admit(String owner) throws SyscallException {
        AtomicInteger live = liveOf(owner);
        int limit = maxProcessesPerOwner;
        if (live.incrementAndGet() > limit && limit > 0) {
            live.decrementAndGet();
            throw new SyscallException(Errno.EAGAIN, "owner " + owner + " has " + limit + " live processes, the most "
                    + "maxProcessesPerOwner allows (PID org.agentos.kernel)");
        }
    }

    private AtomicInteger liveOf(String owner) {
        return liveByOwner.computeIfAbsent(owner, o -> new AtomicInteger());
    }

    public void release(String owner) {
        AtomicInteger live = liveByOwner.get(owner);
        if (live != null) live.decrementAndGet();
    }

    /** Live processes of {@code owner}. */
    public int liveProcesses(String owner) {
        AtomicInteger live = liveByOwner.get(owner);
        return live == null ? 0 : live.get();
    }

    /** Most live processes one owner may have (0: no limit); applied at once. */
    public void setMaxProcessesPerOwner(int max) {
        if (max < 0) throw new IllegalArgumentException("maxProcessesPerOwner must be >= 0 (0: no limit)");
        maxProcessesPerOwner = max;
    }

    /** Validates an owner name once and returns one shared instance of it (a million processes, a few owners). */
    public String canonicalOwner(String owner) throws SyscallException {
        String known = owners.get(owner);
        if (known != null) return known;
        if (!OWNER.matcher(owner).matches()) {
            throw new SyscallException(Errno.EINVAL, "owner must be 1-64 letters, digits or . _ @ -: '" + owner + "'");
        }
        if (owners.size() > 100_000) return owner.intern();
        String prev = owners.putIfAbsent(owner, owner);
        return prev == null ? owner : prev;
    }

    /** The process {@code pid}, or ESRCH. */
    public Proc lookup(long pid) throws SyscallException {
        Proc p = table.get(pid);
        if (p == null) throw new SyscallException(Errno.ESRCH, "no process " + pid);
        return p;
    }

    /** The process-table entry of {@code pid}, or null. */
    public Proc get(long pid) {
        return table.get(pid);
    }

    /** Every process, init too (weakly consistent, as the map it iterates). */
    public Iterable<Proc> all() {
        return table.values();
    }

    public int readyCount() {
        int n = 0;
        for (Proc p : table.values()) {
            if (p.state == ProcessState.READY) n++;
        }
        return n;
    }

    public boolean isDescendant(Proc ancestor, Proc p) {
        synchronized (tree) {
            for (Proc q = p; q != null && q.pid != Kernel.INIT_PID; q = table.get(q.ppid)) {
                if (q.ppid == ancestor.pid) return true;
            }
            return false;
        }
    }

    public int zombiesOfInit() {
        synchronized (tree) {
            return initZombies.size();
        }
    }

    /** One pass over the table keeping the {@code limit} lowest matching pids in a bounded heap. */
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

    public ProcessInfo info(Proc p) {
        List<Long> children;
        synchronized (tree) {
            children = p.childPids();
        }
        return p.info(hal.currentTimeMillis(), children);
    }

    public int size() {
        return table.size();
    }

    public void put(Proc p) {
        table.put(p.pid, p);
    }

    /** Removes an ended process for good; false when it was gone already. */
    boolean remove(Proc p) {
        return table.remove(p.pid, p);
    }

    /** A new pid: ENOSPC when the next block of pids cannot be reserved on disk. */
    public long nextPid() throws SyscallException {
        return pids.next();
    }

    /** Pids given from now on are at least {@code next} (after a restore). */
    public void pidsFrom(long next) {
        pids.atLeast(next);
    }

    /** Counts a restored live process of {@code owner}: never refused, it exists already. */
    public void countLive(String owner) {
        liveOf(owner).incrementAndGet();
    }

    /** Links restored processes to their parents (or init, when the parent is gone), and ended orphans to init's zombies. */
    public void adopt(List<Proc> restored) {
        synchronized (tree) {
            for (Proc p : restored) {
                Proc parent = table.get(p.ppid);
                if (parent == null || parent.state.isTerminal()) {
                    p.ppid = Kernel.INIT_PID;
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
    }
}
