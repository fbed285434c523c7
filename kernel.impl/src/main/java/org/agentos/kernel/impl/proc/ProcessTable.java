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
import org.agentos.kernel.api.process.ProcessCursor;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessOrder;
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

    /**
     * One pass over the table: the matching processes after (or before) the query's cursor in its
     * order, kept in a heap bounded by the page size, and how many match and come before the
     * page. So a page costs the same at the start of a million processes as at their end.
     */
    public ProcessListing list(ProcessQuery q) {
        ProcessOrder order = q.order();
        boolean textual = order.textual();
        // +1 ascending; the walk is the page order, reversed when paging back (the heap keeps the rows nearest the cursor)
        int pageSign = q.descending() ? -1 : 1;
        int walkSign = q.backward() ? -pageSign : pageSign;
        ProcessCursor after = q.after();
        PriorityQueue<Row> nearest = new PriorityQueue<>((a, b) -> walkSign * compare(b.key, a.key)); // the farthest on top
        int matching = 0;
        int before = 0; // matching rows before the cursor in the walk (forward), or all rows walked past it (backward)
        for (Proc p : table.values()) {
            long number = 0;
            String text = null;
            synchronized (p) {
                if (!q.matches(p.pid, p.owner, p.programName, p.state)) continue;
                if (textual) text = textKey(order, p);
                else number = numberKey(order, p);
            }
            matching++;
            // no allocation for a row that is not kept: a million rows a page
            if (after != null && walkSign * compare(text, number, p.pid, after) <= 0) {
                if (!q.backward()) before++;
                continue;
            }
            if (q.backward()) before++;
            if (nearest.size() < q.limit()) {
                nearest.add(new Row(p, new ProcessCursor(text, number, p.pid)));
            } else if (walkSign * compare(text, number, p.pid, nearest.peek().key) < 0) {
                nearest.poll();
                nearest.add(new Row(p, new ProcessCursor(text, number, p.pid)));
            }
        }
        List<Row> page = new ArrayList<>(nearest);
        page.sort((a, b) -> pageSign * compare(a.key, b.key));
        // paging back, "before" counted every row before the cursor (or all, for the last page): the rest are ahead
        int ahead = q.backward() ? before - page.size() : before;
        List<ProcessInfo> out = new ArrayList<>(page.size());
        for (Row r : page) out.add(info(r.p));
        return new ProcessListing(out, matching, ahead);
    }

    private record Row(Proc p, ProcessCursor key) {}

    private static int compare(ProcessCursor a, ProcessCursor b) {
        return compare(a.text(), a.number(), a.pid(), b);
    }

    /** A row's key against a cursor, ascending: the key, then the pid. */
    private static int compare(String text, long number, long pid, ProcessCursor c) {
        int k;
        if (text != null || c.text() != null) {
            k = text == null ? -1 : c.text() == null ? 1 : text.compareTo(c.text());
        } else {
            k = Long.compare(number, c.number());
        }
        return k != 0 ? k : Long.compare(pid, c.pid());
    }

    /** A process's key in a textual order. Holds p. */
    private static String textKey(ProcessOrder order, Proc p) {
        return switch (order) {
            case OWNER -> p.owner;
            case PROGRAM -> p.programName;
            default -> p.state.name();
        };
    }

    /** A process's key in a numeric order. Holds p. */
    private static long numberKey(ProcessOrder order, Proc p) {
        return switch (order) {
            case STARTED -> p.startedMillis;
            case CPU -> p.cpuNanos;
            case STEPS -> p.steps;
            case SYSCALLS -> p.syscalls;
            case TOKENS -> p.tokens;
            default -> p.pid;
        };
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
