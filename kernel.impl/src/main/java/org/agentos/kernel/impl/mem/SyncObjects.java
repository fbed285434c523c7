package org.agentos.kernel.impl.mem;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Locks and counting semaphores of the memory spaces ({@code mem.lock}, {@code mem.sem.*}): the
 * manager holds them; the kernel holds who waits for them, in order (FIFO per object), and
 * wakes the next waiter when one is given back, through the same gate as every memory call.
 */
public final class SyncObjects {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SyncObjects.class);
    private final Kernel k;
    private final MemoryCalls mem;

    SyncObjects(Kernel k, MemoryCalls mem) {
        this.k = k;
        this.mem = mem;
    }

    /** Waiters per synchronization object ({@code <space>#<name>}); each deque is also the object's lock. */
    private final ConcurrentHashMap<String, ArrayDeque<SyncWaiter>> waiters = new ConcurrentHashMap<>();

    /** A process waiting for a lock ({@code permits} 0) or for semaphore permits. */
    static final class SyncWaiter extends CompletableFuture<Void> {
        final Proc proc;
        final String space;
        final String name;
        final int permits;
        final int initial;
        java.util.concurrent.ScheduledFuture<?> timer;

        SyncWaiter(Proc proc, String space, String name, int permits, int initial) {
            this.proc = proc;
            this.space = space;
            this.name = name;
            this.permits = permits;
            this.initial = initial;
        }

        String id() {
            return space + "#" + name;
        }
    }

    public SyscallResult lock(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return acquire(p, fromOutside, a, 0, 0, "mem.lock");
    }

    public SyscallResult semAcquire(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        int permits = a.path("permits").asInt(1);
        return acquire(p, fromOutside, a, permits, a.path("initial").asInt(permits), "mem.sem.acquire");
    }

    SyscallResult acquire(Proc p, boolean fromOutside, JsonNode a, int permits, int initial, String what)
            throws SyscallException {
        MemoryManager m = mem.enter(p, fromOutside, what);
        if (m == null) return null;
        long timeoutMs = a.path("timeoutMs").asLong(-1);
        SyncWaiter w;
        try {
            w = new SyncWaiter(p, MemoryCalls.space(p, a), a.get("name").asText(), permits, initial);
            mem.started(m, p);
            SyscallResult now = takeOrQueue(m, w, fromOutside ? 0 : timeoutMs, what);
            if (now != null) return now;
        } finally {
            mem.leave();
        }
        w.whenComplete((v, ex) -> {
            if (ex instanceof CancellationException) { // killed, interrupted: off the queue
                ArrayDeque<SyncWaiter> q = waiters.get(w.id());
                if (q != null) {
                    synchronized (q) {
                        q.remove(w);
                    }
                }
                cancelTimer(w);
                wake(w.id()); // it may have been the head others waited behind
            }
        });
        if (timeoutMs > 0) {
            try {
                java.util.concurrent.ScheduledFuture<?> t = k.timers.schedule(() -> {
                    ArrayDeque<SyncWaiter> q = waiters.get(w.id());
                    boolean mine = false;
                    if (q != null) {
                        synchronized (q) {
                            mine = q.remove(w);
                        }
                    }
                    if (mine) {
                        k.parked.completeIf(p, w, SyscallResult.error(Errno.ETIMEDOUT, w.id() + " was not free within " + timeoutMs + " ms"));
                        wake(w.id());
                    }
                }, timeoutMs, TimeUnit.MILLISECONDS);
                synchronized (w) {
                    w.timer = t;
                }
            } catch (RejectedExecutionException stopping) {
                // the kernel is stopping: the checkpoint keeps the call, the restart makes it again
            }
        }
        return null;
    }

    /** Takes the object now (FIFO: only when nobody waits for it), or queues w and blocks its process; null then. */
    SyscallResult takeOrQueue(MemoryManager m, SyncWaiter w, long timeoutMs, String what) throws SyscallException {
        while (true) {
            ArrayDeque<SyncWaiter> q = waiters.computeIfAbsent(w.id(), id -> new ArrayDeque<>());
            synchronized (q) {
                // a wake that found the queue empty may have taken it out of the map meanwhile: a
                // waiter added to that one would never be woken, so take the map's current one
                if (waiters.get(w.id()) != q) continue;
                if (q.isEmpty() && tryTake(m, w)) return SyscallResult.ok(k.json.createObjectNode().put("acquired", true));
                if (timeoutMs == 0) { // 0: not at all (a caller from outside cannot park the process)
                    throw new SyscallException(Errno.EAGAIN, (w.permits == 0 ? "lock " : "semaphore ") + w.id()
                            + (w.permits == 0 ? " is held" : " has too few permits"));
                }
                synchronized (w.proc) {
                    w.proc.blockedOn = w;
                    w.proc.cancelCall = w;
                    k.parked.blockLocked(w.proc, what + " " + w.id());
                }
                q.addLast(w);
                return null;
            }
        }
    }

    static boolean tryTake(MemoryManager m, SyncWaiter w) throws SyscallException {
        MemCaller c = MemoryCalls.caller(w.proc);
        return w.permits == 0 ? m.tryLock(c, w.space, w.name) : m.trySemAcquire(c, w.space, w.name, w.permits, w.initial);
    }

    static void cancelTimer(SyncWaiter w) {
        java.util.concurrent.ScheduledFuture<?> t;
        synchronized (w) {
            t = w.timer;
        }
        if (t != null) t.cancel(false);
    }

    public SyscallResult unlock(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return release(p, fromOutside, a, "mem.unlock", (m, space, name) -> m.unlock(MemoryCalls.caller(p), space, name));
    }

    public SyscallResult semRelease(Proc p, JsonNode a, boolean fromOutside) throws SyscallException {
        return release(p, fromOutside, a, "mem.sem.release",
                (m, space, name) -> m.semRelease(MemoryCalls.caller(p), space, name, a.path("permits").asInt(1)));
    }

    @FunctionalInterface
    interface Release {
        void in(MemoryManager m, String space, String name) throws SyscallException;
    }

    /** An unlock or a semaphore release, then the object's waiters are tried (outside the gate's call). */
    SyscallResult release(Proc p, boolean fromOutside, JsonNode a, String what, Release release) throws SyscallException {
        String space = MemoryCalls.space(p, a); // before the gate: a bad name is EINVAL at once
        String name = a.get("name").asText();
        SyscallResult r = mem.gated(p, fromOutside, what, m -> {
            release.in(m, space, name);
            return SyscallResult.OK;
        });
        if (r != null) wake(space + "#" + name);
        return r;
    }

    /** Gives {@code id} to its waiters in order while the manager lets them take it. */
    void wake(String id) {
        ArrayDeque<SyncWaiter> q = waiters.get(id);
        if (q == null) return;
        // Inside the gate, like any call: a grant made on the old manager after its state was
        // exported would be lost. During a swap nobody is woken; bind() wakes everyone after.
        MemoryManager m = mem.enterIfOpen();
        if (m == null) return;
        try {
            wakeWith(m, id, q);
        } finally {
            mem.leave();
        }
    }

    void wakeWith(MemoryManager m, String id, ArrayDeque<SyncWaiter> q) {
        synchronized (q) {
            while (!q.isEmpty()) {
                SyncWaiter w = q.peekFirst();
                boolean taken;
                try {
                    taken = tryTake(m, w);
                } catch (SyscallException e) {
                    q.pollFirst();
                    cancelTimer(w);
                    k.parked.completeIf(w.proc, w, SyscallResult.error(e));
                    continue;
                }
                if (!taken) break;
                q.pollFirst();
                cancelTimer(w);
                if (!k.parked.completeIf(w.proc, w, SyscallResult.ok(k.json.createObjectNode().put("acquired", true)))) {
                    // it ended or was interrupted a moment ago: it must not keep what it never saw
                    giveBack(m, w);
                }
            }
            if (q.isEmpty()) waiters.remove(id, q);
        }
    }

    void giveBack(MemoryManager m, SyncWaiter w) {
        try {
            MemCaller c = MemoryCalls.caller(w.proc);
            if (w.permits == 0) m.unlock(c, w.space, w.name);
            else m.semRelease(c, w.space, w.name, w.permits);
        } catch (SyscallException | RuntimeException e) {
            LOG.debug("giving back {} of {}: {}", w.id(), w.proc, e.toString());
        }
    }

    void wakeAll() {
        for (String id : new ArrayList<>(waiters.keySet())) wake(id);
    }

    /** Ends every wait on {@code id} with an error (its space was deleted). */
    void fail(String id, Errno errno, String message) {
        ArrayDeque<SyncWaiter> q = waiters.remove(id);
        if (q == null) return;
        List<SyncWaiter> all;
        synchronized (q) {
            all = new ArrayList<>(q);
            q.clear();
        }
        for (SyncWaiter w : all) {
            cancelTimer(w);
            k.parked.completeIf(w.proc, w, SyscallResult.error(errno, message));
        }
    }

    /** Processes waiting for a lock or semaphore, for kernel:subsystems. */
    public int waiting() {
        int n = 0;
        for (ArrayDeque<SyncWaiter> q : waiters.values()) {
            synchronized (q) {
                n += q.size();
            }
        }
        return n;
    }
}
