package org.agentos.kernel.impl.resource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Bounded concurrency for one scarce resource: the calls of one language-model tool, i.e. one
 * provider. At most {@code limit} calls are in flight; callers beyond that wait BLOCKED, holding
 * no thread, in a queue ordered by the bound scheduler's policy for resources
 * ({@link Scheduler#forResource}: the fair scheduler orders them by tenant and nice weight and
 * charges each call the time it held its slot), or first come, first served when there is none.
 * A freed slot passes straight to the next caller.
 *
 * <p>The {@code waiting} set is the truth; the policy only orders it, so a policy swapped with
 * the scheduler is rebuilt from it. Lock order: a process's lock, then this.
 *
 * <p>A call made from outside a program (the gateway, the console) waits for its slot on its own
 * thread, in {@code outside}: the same limit holds for it. When both kinds wait, a freed slot
 * goes to them in turn, so neither starves the other.
 */
public final class ResourceGate {
    final String resource;
    private int limit;
    private int inFlight;
    private final LinkedHashSet<Proc> waiting = new LinkedHashSet<>();
    private final java.util.ArrayDeque<CompletableFuture<Void>> outside = new java.util.ArrayDeque<>();
    /** Whether the last slot handed over went to an outside caller: the next goes to a program if one waits. */
    private boolean outsideLast;
    private Scheduler order;
    private long admitted;
    private long queued;

    ResourceGate(String resource, int limit, Scheduler order) {
        this.resource = resource;
        this.limit = limit;
        this.order = order;
    }

    /** Takes a slot for {@code p} (true), or queues it (false) until {@link #release} hands it one. */
    public synchronized boolean acquire(Proc p) {
        if (inFlight < limit && waiting.isEmpty() && outside.isEmpty()) {
            inFlight++;
            admitted++;
            return true;
        }
        waiting.add(p);
        queued++;
        if (order != null) order.enqueue(p);
        return false;
    }

    /** A slot for a caller outside a program: completed when it has one (at once if one is free). */
    public synchronized CompletableFuture<Void> acquireOutside() {
        CompletableFuture<Void> slot = new CompletableFuture<>();
        if (inFlight < limit && waiting.isEmpty() && outside.isEmpty()) {
            inFlight++;
            admitted++;
            slot.complete(null);
        } else {
            outside.addLast(slot);
            queued++;
        }
        return slot;
    }

    /** Withdraws an outside caller that stopped waiting; false when it was given its slot meanwhile (release it). */
    public synchronized boolean cancelOutside(CompletableFuture<Void> slot) {
        return outside.remove(slot);
    }

    /** Withdraws a waiting {@code p} (it was killed); false when it is not waiting (it has a slot or none). */
    public synchronized boolean cancel(Proc p) {
        if (!waiting.remove(p)) return false;
        if (order != null) order.remove(p);
        return true;
    }

    /**
     * {@code p}'s call ended after holding its slot for {@code heldNanos}. Returns the process the
     * slot now belongs to, or null when no one waits (the slot is free).
     */
    public synchronized Proc release(Proc p, long heldNanos) {
        if (order != null) order.charge(p, heldNanos);
        if (grantOutsideLocked()) return null;
        Proc next = nextLocked();
        if (next == null) inFlight--;
        else admitted++;
        return next;
    }

    /** Hands a freed slot to the longest waiting outside caller, if it is their turn; true when it did. */
    private boolean grantOutsideLocked() {
        if (outside.isEmpty() || (outsideLast && !waiting.isEmpty())) {
            outsideLast = false;
            return false;
        }
        outsideLast = true;
        admitted++;
        outside.pollFirst().complete(null); // wakes a thread waiting in get(): nothing runs here
        return true;
    }

    private Proc nextLocked() {
        while (!waiting.isEmpty()) {
            SchedEntity e = order == null ? null : order.pickNext();
            // Without a policy, or if it lost track, the longest waiting goes first.
            Proc next = e instanceof Proc p ? p : waiting.iterator().next();
            if (waiting.remove(next)) return next;
        }
        return null;
    }

    /** A new ordering policy (after a scheduler swap), filled from the waiting set in arrival order. */
    synchronized void setOrder(Scheduler s) {
        order = s;
        if (s != null) {
            for (Proc p : waiting) s.enqueue(p);
        }
    }

    /** A new limit; returns the processes that get one of the slots it frees. */
    synchronized List<Proc> setLimit(int n) {
        limit = n;
        List<Proc> start = new ArrayList<>();
        while (inFlight < limit) {
            inFlight++;
            if (grantOutsideLocked()) continue;
            Proc next = nextLocked();
            if (next == null) {
                inFlight--;
                break;
            }
            admitted++;
            start.add(next);
        }
        return start;
    }

    synchronized int waiting() {
        return waiting.size() + outside.size();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    public synchronized org.agentos.kernel.api.telemetry.SystemMetrics.Gate metrics() {
        return new org.agentos.kernel.api.telemetry.SystemMetrics.Gate(resource, limit, inFlight, waiting.size() + outside.size());
    }

    @Override
    public synchronized String toString() {
        return resource + ": " + inFlight + "/" + limit + " in flight, " + (waiting.size() + outside.size()) + " waiting ("
                + (order == null ? "first come, first served" : order.name() + " order") + "), " + admitted
                + " admitted, " + queued + " had to wait";
    }
}
