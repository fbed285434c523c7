package org.agentos.kernel.impl.mem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.security.OwnerNames;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The kernel's side of memory: the bound {@link MemoryManager}, the {@code mem.*} system calls
 * made through it, the processes waiting for a lock or semaphore, and the live swap.
 *
 * <p>Gate: every memory call enters the gate and leaves it when its result (a write's fsync
 * included) is there. A swap closes the gate, waits until nothing is inside, exports the old
 * manager's state, imports it into the new one and opens the gate again; a call arriving
 * meanwhile, or while no manager is bound, waits BLOCKED (no thread) and is made again after.
 * A manager that leaves with no successor hands its state to the kernel, which gives it to the
 * next one: nothing is lost by stopping the memory bundle.
 *
 * <p>Waiting: managers never block. A process that finds a lock taken waits here, FIFO per
 * object, and is tried again when the kernel unlocks, releases, or ends a holder.
 */
public final class MemoryCalls {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MemoryCalls.class);
    public static final int MAX_LIST = 1000;

    private final Kernel k;

    // Guarded by this.
    private MemoryManager manager;
    private String provider;
    private boolean quiescing;
    private int inside;
    /** Memory calls made through the bound manager since it was bound: 0 means it holds nothing of the kernel's. */
    private long callsSinceBind;
    private MemoryState stash;
    private final ArrayDeque<Parked> parked = new ArrayDeque<>();
    private final List<Long> exitsDuringSwap = new ArrayList<>();
    private String lastSwap;

    /** Locks and semaphores, and who waits for them. */
    public final SyncObjects sync;
    /** Memory in agent images. */
    public final MemoryImages images;

    public MemoryCalls(Kernel k) {
        this.k = k;
        this.sync = new SyncObjects(k, this);
        this.images = new MemoryImages(this);
    }

    /** A process waiting for the gate to open; its call is made again then. */
    private record Parked(Proc proc, Object token) {}

    // ------------------------------------------------------------------ binding and swap

    public synchronized MemoryManager manager() {
        return manager;
    }

    public synchronized String provider() {
        return provider;
    }

    public synchronized String lastSwap() {
        return lastSwap;
    }

    /**
     * Binds {@code next} (null: none). The old manager's state, or what a departed one left with
     * the kernel, is carried over; if the new one refuses it, the old one stays bound (or the
     * state stays with the kernel) and the refusal is logged and audited.
     *
     * @return what happened, for the log and kernel:subsystems
     */
    public String bind(MemoryManager next, String nextProvider) {
        long t0 = System.nanoTime();
        MemoryManager old;
        boolean untouched;
        synchronized (this) {
            if (manager == next) return "already bound";
            quiescing = true;
            while (inside > 0) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            old = manager;
            untouched = old != null && callsSinceBind == 0;
        }
        long quiet = System.nanoTime();
        String outcome;
        MemoryState state = null;
        boolean keepOld = false;
        try {
            // A manager no call went through holds nothing of the agents' (e.g. the one bound for a
            // moment at boot before the configured one appeared): its empty state must not replace
            // what the next one kept on disk.
            state = untouched ? null : old != null ? old.exportState() : takeStash();
        } catch (RuntimeException e) {
            LOG.error("memory swap: {} could not export its state; its entries stay with it", old.name(), e);
        }
        int spaces = state == null ? 0 : state.spaces().size();
        if (next != null && state != null) {
            try {
                next.importState(state);
            } catch (RuntimeException e) {
                keepOld = old != null;
                if (!keepOld) putStash(state);
                LOG.error("memory swap: {} refused the state of {}: {}", next.name(), old == null ? "the kernel" : old.name(),
                        e.toString());
            }
        } else if (next == null && state != null) {
            putStash(state);
        }
        synchronized (this) {
            String from = old == null ? "none" : old.name();
            String to = next == null ? "none" : next.name();
            if (keepOld) {
                outcome = to + " refused the state of " + from + "; " + from + " stays bound";
            } else {
                manager = next;
                provider = next == null ? null : nextProvider;
                callsSinceBind = next != null && state != null ? 1 : 0; // it holds what it imported
                outcome = from + " -> " + to + ": " + spaces + " spaces carried over"
                        + (next == null && state != null ? " (kept by the kernel until a memory manager binds)" : "")
                        + String.format(java.util.Locale.ROOT, ", paused %.2f ms", (System.nanoTime() - quiet) / 1e6);
            }
            lastSwap = outcome;
            quiescing = false;
        }
        k.auditEvent("mem.swap", "root", outcome);
        LOG.info("memory swap {} (waited {} ms for calls in flight)", outcome, (quiet - t0) / 1_000_000);
        if (!keepOld && next != null) heldAtCrash.takeAgain(next);
        replayExits();
        resumeParked();
        sync.wakeAll();
        return outcome;
    }

    /** The syscalls whose results say which locks and permits a process holds. */
    public static final java.util.Set<String> SYNC_CALLS = java.util.Set.of("mem.lock", "mem.unlock", "mem.sem.acquire",
            "mem.sem.release");

    /** What restored processes held at a crash, to take again once a manager is bound. */
    private final HeldAtCrash heldAtCrash = new HeldAtCrash();

    /**
     * After a restart: takes again, for the same processes, the locks and semaphore permits they
     * held ({@code records}: their successful {@link #SYNC_CALLS} results, from the call journal),
     * now or when a memory manager binds, before any of their memory calls is made.
     */
    public void retakeAfterCrash(List<org.agentos.kernel.impl.journal.JournalRecord> records) {
        heldAtCrash.remember(HeldAtCrash.fold(records, k.procs::get));
        MemoryManager m;
        synchronized (this) {
            m = manager;
        }
        if (m != null) heldAtCrash.takeAgain(m);
    }

    private synchronized MemoryState takeStash() {
        MemoryState s = stash;
        stash = null;
        return s;
    }

    private synchronized void putStash(MemoryState s) {
        stash = s;
    }

    /** Unbinds {@code m} if it is the bound one (its bundle went): its state stays with the kernel. */
    public void unbind(MemoryManager m) {
        synchronized (this) {
            if (manager != m) return;
        }
        bind(null, null);
    }

    private void resumeParked() {
        List<Parked> again;
        synchronized (this) {
            if (manager == null || quiescing) return;
            again = new ArrayList<>(parked);
            parked.clear();
        }
        for (Parked w : again) k.parked.retryCall(w.proc(), w.token());
    }

    /**
     * Enters the gate: the bound manager, or null when the caller was parked (it is BLOCKED and
     * its call is made again when the gate opens). A caller from outside the program cannot be
     * parked: it hears at once why the gate is shut. Every non-null return is paired with {@link #leave}.
     */
    MemoryManager enter(Proc p, boolean fromOutside, String what) throws SyscallException {
        Object token = new Object();
        String why;
        synchronized (this) {
            if (!quiescing && manager != null) {
                inside++;
                callsSinceBind++;
                return manager;
            }
            why = manager == null ? " (waiting for a memory manager)" : " (memory swap)";
            if (fromOutside) {
                // the gateway's caller cannot be parked: it hears why at once
                throw manager == null
                        ? new SyscallException(Errno.ENOSYS, "no memory manager is bound (feature:install agentos-memory)")
                        : new SyscallException(Errno.EAGAIN, "the memory manager is being swapped; try again");
            }
            parked.add(new Parked(p, token));
        }
        synchronized (p) {
            p.blockedOn = token;
            k.parked.blockLocked(p, what + why);
        }
        // a swap may have finished between the two locks: then nobody else would resume it
        resumeParked();
        return null;
    }

    /** Enters the gate if it is open (no swap, a manager bound): the manager, or null. Paired with {@link #leave}. */
    synchronized MemoryManager enterIfOpen() {
        if (quiescing || manager == null) return null;
        inside++;
        return manager;
    }

    synchronized void leave() {
        if (--inside == 0 && quiescing) notifyAll();
    }

    /** For operators and other kernel parts: the manager, or ENOSYS. Not gated (reads and dumps). */
    public MemoryManager require() throws SyscallException {
        MemoryManager m = manager();
        if (m == null) {
            throw new SyscallException(Errno.ENOSYS, "no memory manager is bound (feature:install agentos-memory)");
        }
        return m;
    }

    // ------------------------------------------------------------------ processes

    static MemCaller caller(Proc p) {
        return MemCaller.process(p.pid, p.owner, p.caps::permits);
    }

    /** A write's caller, naming its process's call (a repeat after a crash is answered, not written twice). */
    private static MemCaller writer(Proc p, boolean fromOutside) {
        MemCaller c = caller(p);
        return fromOutside ? c : c.withCall(org.agentos.kernel.impl.syscall.CallJournaling.callId(p));
    }

    /** The first memory call of {@code p}: its user space exists from now on. */
    void started(MemoryManager m, Proc p) {
        boolean first;
        synchronized (p) {
            first = !p.usedMemory;
            p.usedMemory = true;
        }
        if (first) m.processStarted(p.pid, p.owner);
    }

    /** {@code p} ended: the manager frees what it held; waiters on what it held are tried again. */
    public void processEnded(Proc p) {
        boolean used;
        synchronized (p) {
            used = p.usedMemory;
        }
        if (used) exited(p.pid);
    }

    void exited(long pid) {
        MemoryManager m;
        synchronized (this) {
            if (quiescing || manager == null) {
                // told to the manager bound after the swap (its state has this process's locks and space)
                exitsDuringSwap.add(pid);
                return;
            }
            m = manager;
            inside++;
        }
        List<String> freed;
        try {
            freed = m.processExited(pid);
        } catch (RuntimeException e) {
            LOG.warn("memory manager {} failed at the exit of pid {}", m.name(), pid, e);
            return;
        } finally {
            leave();
        }
        for (String id : freed) sync.wake(id);
    }

    /** Exits that came while the gate was closed or no manager was bound, for the next manager. */
    private void replayExits() {
        List<Long> pids;
        synchronized (this) {
            if (exitsDuringSwap.isEmpty()) return;
            pids = new ArrayList<>(exitsDuringSwap);
            exitsDuringSwap.clear();
        }
        for (long pid : pids) exited(pid);
    }

    /** The parent's user space becomes the child's, copy-on-write (proc.fork). */
    public void fork(MemoryManager m, Proc parent, Proc child) throws SyscallException {
        started(m, parent);
        synchronized (child) {
            child.usedMemory = true;
        }
        m.fork(parent.pid, child.pid, child.owner);
    }

    /** Whether {@code token}, what a process is blocked on, is a wait for a lock or semaphore. */
    public boolean isSyncWait(Object token) {
        return token instanceof SyncObjects.SyncWaiter;
    }

    /**
     * Memory pressure: asks the manager to page out about {@code bytes} of working entries, from
     * the processes that use memory in eviction order (idle class first, then normal, realtime
     * last; nicer first within a class). Returns the bytes freed; 0 while swapping or unbound.
     */
    public long reclaim(long bytes) {
        MemoryManager m;
        synchronized (this) {
            if (quiescing || manager == null || bytes <= 0) return 0;
            m = manager;
            inside++;
        }
        try {
            List<Proc> users = new ArrayList<>();
            for (Proc p : k.procs.all()) {
                synchronized (p) {
                    if (p.usedMemory && !p.state.isTerminal()) users.add(p);
                }
            }
            users.sort(java.util.Comparator.comparingInt((Proc p) -> -p.schedClass.ordinal()).thenComparingInt(p -> -p.nice));
            List<Long> victims = new ArrayList<>(users.size());
            for (Proc p : users) victims.add(p.pid);
            return m.reclaim(bytes, victims);
        } catch (RuntimeException e) {
            LOG.warn("memory manager {} failed to reclaim {} bytes", m.name(), bytes, e);
            return 0;
        } finally {
            leave();
        }
    }

    // ------------------------------------------------------------------ the calls

    /** The space named in {@code args} ("user", "system", "user/<pid>", "shared/<name>"); "user" is the caller's. */
    static String space(Proc p, JsonNode args) throws SyscallException {
        String s = args.path("space").asText("user");
        if (s.equals("user")) return SpaceKind.userSpace(p.pid);
        try {
            SpaceKind.of(s);
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, e.getMessage());
        }
        return s;
    }

    /** A memory call's work, made inside the gate with the bound manager. */
    @FunctionalInterface
    interface Call {
        SyscallResult in(MemoryManager m) throws SyscallException;
    }

    /** A memory write's work: the manager's stage, awaited outside the gate's bookkeeping. */
    @FunctionalInterface
    private interface Write<T> {
        CompletionStage<T> in(MemoryManager m) throws SyscallException;
    }

    /**
     * Runs {@code call} inside the gate for {@code p} (null: p waits at the gate, its call made
     * again when it opens). Whatever it throws, the gate is left.
     */
    SyscallResult gated(Proc p, boolean fromOutside, String what, Call call) throws SyscallException {
        MemoryManager m = enter(p, fromOutside, what);
        if (m == null) return null;
        try {
            started(m, p);
            return call.in(m);
        } finally {
            leave();
        }
    }

    /** As {@link #gated} for a write: the gate is left when its stage completes (the fsync), see {@link #await}. */
    private <T> SyscallResult gatedWrite(Proc p, boolean fromOutside, String what, Write<T> write, ResultOf<T> result)
            throws SyscallException {
        MemoryManager m = enter(p, fromOutside, what);
        if (m == null) return null;
        CompletionStage<T> stage;
        try {
            started(m, p);
            stage = write.in(m);
        } catch (SyscallException | RuntimeException e) {
            leave();
            throw e;
        }
        return await(p, fromOutside, stage, what, result);
    }

    public SyscallResult get(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.get", m -> {
            MemEntry e = m.get(caller(p), space(p, a), a.get("key").asText());
            chargeBytes(p, e.info().bytes());
            return SyscallResult.ok(entryJson(e));
        });
    }

    public SyscallResult put(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gatedWrite(p, fromOutside, "mem.put", m -> m.put(writer(p, fromOutside), space(p, a), a.get("key").asText(), write(a)), info -> {
            chargeBytes(p, info.bytes());
            return infoJson(info);
        });
    }

    public SyscallResult delete(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gatedWrite(p, fromOutside, "mem.delete", m -> m.delete(caller(p), space(p, a), a.get("key").asText()),
                deleted -> k.json.createObjectNode().put("deleted", deleted));
    }

    public SyscallResult cas(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gatedWrite(p, fromOutside, "mem.cas", m -> m.cas(writer(p, fromOutside), space(p, a), a.get("key").asText(), a.get("expect").asLong(),
                write(a)), o -> {
                    ObjectNode r = k.json.createObjectNode().put("swapped", o.swapped());
                    if (o.current() == null) r.putNull("version");
                    else r.put("version", o.current().version());
                    return r;
                });
    }

    public SyscallResult list(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.list", m -> {
            EntryPage page = m.list(caller(p), space(p, a), a.path("prefix").asText(""),
                    a.hasNonNull("after") ? a.get("after").asText() : null, a.path("limit").asInt(100));
            ObjectNode r = k.json.createObjectNode();
            ArrayNode entries = r.putArray("entries");
            for (EntryInfo i : page.entries()) entries.add(infoJson(i));
            if (page.next() == null) r.putNull("next");
            else r.put("next", page.next());
            return SyscallResult.ok(r);
        });
    }

    public SyscallResult search(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.search", m -> {
            ObjectNode r = k.json.createObjectNode();
            ArrayNode entries = r.putArray("entries");
            for (EntryInfo i : m.search(caller(p), space(p, a), a.get("query").asText(), a.path("limit").asInt(10))) {
                entries.add(infoJson(i));
            }
            return SyscallResult.ok(r);
        });
    }

    public SyscallResult recall(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.recall", m -> {
            ObjectNode r = k.json.createObjectNode();
            ArrayNode entries = r.putArray("entries");
            long bytes = 0;
            for (MemEntry e : m.recall(caller(p), a.get("query").asText(), a.path("limit").asInt(5))) {
                entries.add(entryJson(e));
                bytes += e.info().bytes();
            }
            chargeBytes(p, bytes);
            return SyscallResult.ok(r);
        });
    }

    public SyscallResult budget(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.budget", m -> {
            if (a.has("tokens")) m.setTokenBudget(p.pid, a.get("tokens").asLong());
            return SyscallResult.ok(spaceJson(m.space(SpaceKind.userSpace(p.pid)).orElse(null)));
        });
    }

    public SyscallResult share(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "mem.share", m -> {
            SharedSpec spec;
            try {
                spec = new SharedSpec(a.path("persistent").asBoolean(false), a.path("quotaBytes").asLong(0),
                        OwnerNames.members(a.path("members")));
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, e.getMessage());
            }
            return SyscallResult.ok(spaceJson(m.share(caller(p), a.get("name").asText(), spec)));
        });
    }

    public SyscallResult unshare(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        String space = "shared/" + a.get("name").asText();
        return gated(p, fromOutside, "mem.unshare", m -> {
            failAll(m.deleteSpace(caller(p), space), space);
            return SyscallResult.OK;
        });
    }

    /** An operator deletes a shared space (mem:unshare); its waiters get ENOENT. */
    public void deleteSpace(MemCaller operator, String space) throws SyscallException {
        failAll(require().deleteSpace(operator, space), space);
    }

    private void failAll(List<String> syncObjects, String space) {
        for (String id : syncObjects) sync.fail(id, Errno.ENOENT, "space " + space + " was deleted");
    }

    public SyscallResult fork(Proc p, boolean fromOutside) throws SyscallException {
        return gated(p, fromOutside, "proc.fork", m -> k.lifecycle.fork(p, m));
    }

    // ---- locks and semaphores

    // ------------------------------------------------------------------ helpers

    /**
     * The result of a write: at once when it is done, else a program's process waits BLOCKED for
     * it (an fsync), and a caller from outside waits on its own thread.
     */
    private <T> SyscallResult await(Proc p, boolean fromOutside, CompletionStage<T> stage, String what, ResultOf<T> result)
            throws SyscallException {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone() || fromOutside) {
            try {
                return SyscallResult.ok(result.of(f.get()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyscallException(Errno.EINTR, what + " interrupted while its write was being made durable");
            } catch (ExecutionException e) {
                throw asSyscall(what, e.getCause());
            } finally {
                leave();
            }
        }
        Object token = new Object();
        synchronized (p) {
            p.blockedOn = token;
            k.parked.blockLocked(p, what + " (commit)");
        }
        f.whenComplete((v, ex) -> {
            SyscallResult r;
            try {
                r = ex != null ? SyscallResult.error(asSyscall(what, ex instanceof java.util.concurrent.CompletionException
                        && ex.getCause() != null ? ex.getCause() : ex)) : SyscallResult.ok(result.of(v));
            } catch (SyscallException e) {
                r = SyscallResult.error(e);
            } finally {
                leave();
            }
            k.parked.completeIf(p, token, r);
        });
        return null;
    }

    @FunctionalInterface
    private interface ResultOf<T> {
        JsonNode of(T value) throws SyscallException;
    }

    private static SyscallException asSyscall(String what, Throwable t) {
        if (t instanceof SyscallException se) return se;
        LOG.warn("{} failed in the memory manager", what, t);
        return new SyscallException(Errno.EIO, what + " failed: " + t);
    }

    private void chargeBytes(Proc p, long bytes) throws SyscallException {
        synchronized (p) {
            p.bytes += bytes;
            if (p.bytes > p.quotas.bytes()) {
                throw new SyscallException(Errno.EQUOTA, "moved " + p.bytes + " bytes, its quota is " + p.quotas.bytes());
            }
        }
    }

    private MemWrite write(JsonNode a) throws SyscallException {
        boolean hasValue = a.has("value");
        boolean hasBlob = a.has("base64");
        if (hasValue == hasBlob) throw new SyscallException(Errno.EINVAL, "give value (JSON) or base64 (bytes), one of them");
        MemWrite w;
        if (hasValue) {
            w = MemWrite.json(a.get("value"));
        } else {
            try {
                w = MemWrite.blob(Base64.getDecoder().decode(a.get("base64").asText()));
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "base64 is not valid Base64: " + e.getMessage());
            }
        }
        if (a.path("working").asBoolean(false)) {
            w = w.working(a.path("tokens").asInt(0), a.hasNonNull("summary") ? a.get("summary").asText() : null);
        }
        return w;
    }

    ObjectNode infoJson(EntryInfo i) {
        ObjectNode r = k.json.createObjectNode().put("space", i.space()).put("key", i.key()).put("version", i.version())
                .put("bytes", i.bytes()).put("blob", i.blob());
        if (i.working()) {
            r.put("working", true).put("tokens", i.tokens()).put("resident", i.resident());
            if (i.summary() != null) r.put("summary", i.summary());
        }
        r.put("modifiedMillis", i.modifiedMillis()).put("modifiedBy", i.modifiedBy());
        return r;
    }

    ObjectNode entryJson(MemEntry e) {
        ObjectNode r = infoJson(e.info());
        if (e.blob() != null) r.put("base64", Base64.getEncoder().encodeToString(e.blob()));
        else r.set("value", e.json());
        return r;
    }

    ObjectNode spaceJson(SpaceInfo s) {
        ObjectNode r = k.json.createObjectNode();
        if (s == null) return r;
        r.put("space", s.name()).put("kind", s.kind().name().toLowerCase(java.util.Locale.ROOT)).put("owner", s.owner())
                .put("persistent", s.persistent()).put("entries", s.entries()).put("bytes", s.bytes())
                .put("quotaBytes", s.quotaBytes()).put("sharedBytes", s.sharedBytes())
                .put("residentTokens", s.residentTokens()).put("tokenBudget", s.tokenBudget()).put("pagedOut", s.pagedOut());
        if (!s.members().isEmpty()) s.members().forEach(r.putArray("members")::add);
        return r;
    }
}
