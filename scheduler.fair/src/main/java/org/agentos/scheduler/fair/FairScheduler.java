package org.agentos.scheduler.fair;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.LongFunction;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.sched.SchedulerState;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Weighted fair scheduling in two levels, after CFS group scheduling: tenants (process owners)
 * share the CPU by their weights (equal unless configured), and within a tenant its processes
 * share by their nice weights. Each level orders by virtual runtime (CPU time divided by weight)
 * in a balanced tree, so a decision costs O(log n). A process or tenant that becomes runnable
 * again starts at the current minimum virtual runtime of its level: sleeping earns no credit to
 * burst with later. One tenant with 10,000 agents therefore gets the same CPU as a tenant with 10.
 *
 * <p>No process waits more than {@value #AGING_ROUNDS} rounds of its tenant's queue (as many
 * picks as it has queued processes): one that has is picked next, and what it still owed is
 * forgiven, as EEVDF bounds lag. A step is charged its wall time, so a step that a GC pause, the
 * host's scheduler or a cold JIT stretched to a millisecond would otherwise put a process behind
 * 100,000 others' sub-microsecond steps for thousands of rounds: it would starve. A process whose
 * every step costs more than {@value #AGING_ROUNDS} rounds of the others' pays only that much,
 * and its CPU quota is what bounds it.
 *
 * <p>Scheduling classes come first: a READY realtime process is picked before anything else
 * (FIFO by nice among realtime ones), idle-class processes only when no normal one is READY
 * (they have a fair tree of their own).
 *
 * <p>Ranked above the kernel's round-robin fallback, so installing this bundle swaps it in.
 */
@Component(service = Scheduler.class, configurationPid = FairScheduler.PID,
        property = {"service.ranking:Integer=100", "agentos.subsystem.name=fair"})
@Designate(ocd = FairScheduler.Config.class)
public class FairScheduler implements Scheduler {
    static final String PID = "org.agentos.scheduler.fair";
    /** The longest a queued process waits, in rounds of its tenant's queue. */
    static final int AGING_ROUNDS = 4;

    @ObjectClassDefinition(name = "Agent OS fair scheduler",
            description = "Weighted fair CPU scheduling across tenants and processes.")
    public @interface Config {
        @AttributeDefinition(name = "Tenant weights", description = "owner=weight pairs; a tenant's CPU share is "
                + "proportional to its weight among the runnable tenants (default weight 1, e.g. interactive=4). "
                + "Also orders the waiting calls for language-model providers.")
        String[] ownerWeights() default {};
    }

    /** Scheduling state of one process. Guarded by the scheduler's lock. */
    private static final class Task extends RunQueue.Entry implements ArrivalOrder.Arrival {
        final SchedEntity entity;
        final long seq;
        final Group group;
        int weight = NiceWeights.NICE_0;
        long vruntime;
        boolean queued;
        /** Which class it is queued in (its entity's class at enqueue time). */
        SchedClass queuedAs;
        /** Stamp of its latest queuing, and its tenant's pick count then. */
        long arrival;
        long queuedAtPick;

        Task(SchedEntity entity, long seq, Group group) {
            this.entity = entity;
            this.seq = seq;
            this.group = group;
        }

        @Override
        public boolean queued() {
            return queued;
        }

        @Override
        public long arrival() {
            return arrival;
        }
    }

    /** A tenant's place in one level's queue of tenants. */
    private static final class GroupSlot extends RunQueue.Entry {
        final Group group;

        GroupSlot(Group group) {
            this.group = group;
        }
    }

    /** A tenant: its runnable tasks in virtual-runtime order, per class. Guarded by the scheduler's lock. */
    private static final class Group {
        final String owner;
        final long seq;
        final RunQueue normal = new RunQueue();
        final RunQueue idle = new RunQueue();
        final ArrivalOrder normalArrivals = new ArrivalOrder();
        final ArrivalOrder idleArrivals = new ArrivalOrder();
        /** Processes taken from its queues, and processes put in them: the clocks of aging. */
        long picks;
        long arrivals;
        final GroupSlot normalSlot = new GroupSlot(this);
        final GroupSlot idleSlot = new GroupSlot(this);
        int weight = NiceWeights.NICE_0;
        long vruntime;
        long idleVruntime;
        long minTaskVruntime;

        Group(String owner, long seq) {
            this.owner = owner;
            this.seq = seq;
        }

        RunQueue runnable(boolean idleClass) {
            return idleClass ? idle : normal;
        }

        ArrivalOrder arrivals(boolean idleClass) {
            return idleClass ? idleArrivals : normalArrivals;
        }

        GroupSlot slot(boolean idleClass) {
            return idleClass ? idleSlot : normalSlot;
        }
    }

    /** The runnable tenants of one class, by virtual runtime. */
    private static final class Level {
        final boolean idleClass;
        final RunQueue groups = new RunQueue();
        long minGroupVruntime;

        Level(boolean idleClass) {
            this.idleClass = idleClass;
        }

        long vruntime(Group g) {
            return idleClass ? g.idleVruntime : g.vruntime;
        }
    }

    private final Object lock = new Object();
    // Keyed by the kernel's process objects: state goes away when the kernel reaps the process.
    private final Map<SchedEntity, Task> tasks = new WeakHashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    /** Realtime tasks by (nice, arrival). */
    private final RunQueue realtime = new RunQueue();
    private final Level normal = new Level(false);
    private final Level idle = new Level(true);
    /** Tenant weights in NiceWeights units (1 = 1024); absent = 1024. */
    private volatile Map<String, Integer> ownerWeights = Map.of();
    private long seq;
    private int runnable;

    public FairScheduler() {}

    @Activate
    @Modified
    void configure(Config config) {
        setOwnerWeights(parseWeights(config.ownerWeights()));
    }

    /** Parses {@code owner=weight} pairs; weights are positive decimals (0.5, 1, 4). */
    static Map<String, Integer> parseWeights(String[] pairs) {
        Map<String, Integer> out = new HashMap<>();
        for (String pair : pairs == null ? new String[0] : pairs) {
            for (String one : pair.split(",")) {
                if (one.isBlank()) continue;
                int eq = one.indexOf('=');
                String owner = eq < 0 ? "" : one.substring(0, eq).trim();
                double w;
                try {
                    w = eq < 0 ? Double.NaN : Double.parseDouble(one.substring(eq + 1).trim());
                } catch (NumberFormatException e) {
                    w = Double.NaN;
                }
                if (owner.isEmpty() || !(w >= 0.01 && w <= 1000)) {
                    throw new IllegalArgumentException("EINVAL: ownerWeights entry '" + one.trim()
                            + "' is not owner=weight with a weight from 0.01 to 1000");
                }
                out.put(owner, (int) Math.round(w * NiceWeights.NICE_0));
            }
        }
        return Map.copyOf(out);
    }

    /** Replaces the tenant weights; tenants already known take theirs at once. */
    public void setOwnerWeights(Map<String, Integer> weights) {
        synchronized (lock) {
            ownerWeights = Map.copyOf(weights);
            for (Group g : groups.values()) g.weight = ownerWeights.getOrDefault(g.owner, NiceWeights.NICE_0);
        }
    }

    @Override
    public String name() {
        return "fair";
    }

    private Task taskOf(SchedEntity entity) {
        Task t = tasks.get(entity);
        if (t == null) {
            Group g = groups.get(entity.owner());
            if (g == null) {
                g = new Group(entity.owner(), seq++);
                g.weight = ownerWeights.getOrDefault(g.owner, NiceWeights.NICE_0);
                g.vruntime = normal.minGroupVruntime;
                g.idleVruntime = idle.minGroupVruntime;
                groups.put(g.owner, g);
            }
            t = new Task(entity, seq++, g);
            t.vruntime = g.minTaskVruntime;
            tasks.put(entity, t);
        }
        return t;
    }

    @Override
    public void enqueue(SchedEntity entity) {
        synchronized (lock) {
            Task t = taskOf(entity);
            if (t.queued) return;
            t.weight = NiceWeights.of(entity.nice());
            // No credit for time spent not runnable: start at the level's current minimum.
            t.vruntime = Math.max(t.vruntime, t.group.minTaskVruntime);
            insertLocked(t, entity.schedClass());
        }
    }

    /** Queues {@code t} in class {@code c} at its current virtual runtime. Caller holds the lock. */
    private void insertLocked(Task t, SchedClass c) {
        t.queuedAs = c;
        t.queued = true;
        runnable++;
        if (c == SchedClass.REALTIME) {
            realtime.add(t, t.entity.nice(), seq++);
            return;
        }
        Level level = c == SchedClass.IDLE ? idle : normal;
        Group g = t.group;
        RunQueue queue = g.runnable(level.idleClass);
        if (queue.isEmpty()) {
            if (level.idleClass) g.idleVruntime = Math.max(g.idleVruntime, level.minGroupVruntime);
            else g.vruntime = Math.max(g.vruntime, level.minGroupVruntime);
            level.groups.add(g.slot(level.idleClass), level.vruntime(g), g.seq);
        }
        // Ties go to the one queued first.
        queue.add(t, t.vruntime, seq++);
        t.arrival = ++g.arrivals;
        t.queuedAtPick = g.picks;
        g.arrivals(level.idleClass).add(t, t.arrival);
    }

    @Override
    public SchedEntity pickNext() {
        synchronized (lock) {
            Task rt = (Task) realtime.poll();
            if (rt != null) {
                rt.queued = false;
                runnable--;
                return rt.entity;
            }
            Level level = normal.groups.isEmpty() ? idle : normal;
            GroupSlot slot = (GroupSlot) level.groups.peek();
            if (slot == null) return null;
            Group g = slot.group;
            level.minGroupVruntime = Math.max(level.minGroupVruntime, level.vruntime(g));
            RunQueue queue = g.runnable(level.idleClass);
            Task t = overdueLocked(g, level.idleClass, queue.size());
            if (t != null) {
                queue.remove(t);
                // Picked out of turn: what it owed is forgiven, and it does not move the clock.
                t.vruntime = Math.min(t.vruntime, g.minTaskVruntime);
            } else {
                t = (Task) queue.poll();
                g.minTaskVruntime = Math.max(g.minTaskVruntime, t.vruntime);
            }
            t.queued = false;
            runnable--;
            g.picks++;
            // The tenant's key has not changed: it stays where it is unless it has nothing left.
            if (queue.isEmpty()) emptiedLocked(g, level.idleClass);
            return t.entity;
        }
    }

    /** The tenant's longest-waiting process if it has waited AGING_ROUNDS rounds of {@code queued} picks, else null. */
    private static Task overdueLocked(Group g, boolean idleClass, int queued) {
        ArrivalOrder order = g.arrivals(idleClass);
        Task oldest = (Task) order.oldest();
        if (oldest == null || g.picks - oldest.queuedAtPick <= (long) AGING_ROUNDS * queued) return null;
        order.removeHead();
        return oldest;
    }

    @Override
    public void remove(SchedEntity entity) {
        synchronized (lock) {
            Task t = tasks.get(entity);
            if (t == null || !t.queued) return;
            dequeueLocked(t);
        }
    }

    private void dequeueLocked(Task t) {
        t.queued = false;
        runnable--;
        if (t.queuedAs == SchedClass.REALTIME) {
            realtime.remove(t);
            return;
        }
        boolean idleClass = t.queuedAs == SchedClass.IDLE;
        Group g = t.group;
        RunQueue queue = g.runnable(idleClass);
        queue.remove(t);
        if (queue.isEmpty()) emptiedLocked(g, idleClass);
    }

    /**
     * A tenant's queue of one class became empty: it leaves its level, and its arrival order
     * (nothing in it is queued any more) lets go of the processes, reaped ones included.
     */
    private void emptiedLocked(Group g, boolean idleClass) {
        (idleClass ? idle : normal).groups.remove(g.slot(idleClass));
        g.arrivals(idleClass).clear();
    }

    /** Advances the process's and its tenant's virtual runtime by the CPU time it used. */
    @Override
    public void charge(SchedEntity entity, long nanos) {
        if (nanos <= 0) return;
        synchronized (lock) {
            Task t = tasks.get(entity);
            if (t == null) return;
            Group g = t.group;
            t.vruntime += nanos * NiceWeights.NICE_0 / t.weight;
            if (t.queued && t.queuedAs != SchedClass.REALTIME) g.runnable(t.queuedAs == SchedClass.IDLE).rekey(t, t.vruntime);
            long groupDelta = nanos * NiceWeights.NICE_0 / g.weight;
            if (entity.schedClass() == SchedClass.IDLE) {
                g.idleVruntime += groupDelta;
                if (idle.groups.contains(g.idleSlot)) idle.groups.rekey(g.idleSlot, g.idleVruntime);
            } else {
                g.vruntime += groupDelta;
                if (normal.groups.contains(g.normalSlot)) normal.groups.rekey(g.normalSlot, g.vruntime);
            }
        }
    }

    @Override
    public int runnable() {
        synchronized (lock) {
            return runnable;
        }
    }

    /**
     * The queued processes in about the order they would be picked: realtime ones, then each
     * class's tenants taken in turn by virtual runtime; with each process's and tenant's virtual
     * runtime, so another fair scheduler continues exactly where this one stopped.
     */
    @Override
    public SchedulerState exportState() {
        // Workers cannot pick while the lock is held: copy the queues' arrays only, and sort and
        // build the state object after letting go.
        RunQueue rt;
        List<RunQueue> normalQueues = new ArrayList<>();
        List<RunQueue> idleQueues = new ArrayList<>();
        String[] owners;
        long[] ownerVruntimes;
        synchronized (lock) {
            rt = realtime.copy();
            for (Group g : groups.values()) {
                if (!g.normal.isEmpty()) normalQueues.add(g.normal.copy());
                if (!g.idle.isEmpty()) idleQueues.add(g.idle.copy());
            }
            owners = new String[groups.size()];
            ownerVruntimes = new long[owners.length];
            int i = 0;
            for (Group g : groups.values()) {
                owners[i] = g.owner;
                ownerVruntimes[i++] = g.vruntime;
            }
        }
        int total = rt.size();
        for (RunQueue q : normalQueues) total += q.size();
        for (RunQueue q : idleQueues) total += q.size();
        SchedulerState s = new SchedulerState(name(), total);
        Object[] rtSorted = rt.sortInPlace();
        for (RunQueue.Entry e : (RunQueue.Entry[]) rtSorted[0]) {
            Task t = (Task) e;
            s.add(t.entity.pid(), 0);
        }
        for (List<RunQueue> queues : List.of(normalQueues, idleQueues)) {
            List<Object[]> sorted = new ArrayList<>();
            for (RunQueue q : queues) sorted.add(q.sortInPlace());
            // Tenants in turn, each in its own order: about the order the picks would take.
            int depth = 0;
            boolean more = true;
            while (more) {
                more = false;
                for (Object[] q : sorted) {
                    RunQueue.Entry[] entries = (RunQueue.Entry[]) q[0];
                    long[] vruntimes = (long[]) q[1];
                    if (depth < entries.length) {
                        s.add(((Task) entries[depth]).entity.pid(), vruntimes[depth]);
                        more = true;
                    }
                }
                depth++;
            }
        }
        for (int i = 0; i < owners.length; i++) s.ownerVruntime.put(owners[i], ownerVruntimes[i]);
        return s;
    }

    /**
     * From another fair scheduler the virtual runtimes are taken over as they were; from any other
     * scheduler the exported order becomes the order within each tenant.
     */
    @Override
    public void importState(SchedulerState state, LongFunction<SchedEntity> entities) {
        if (state.version != SchedulerState.VERSION) {
            throw new IllegalArgumentException("scheduler state version " + state.version + " is not " + SchedulerState.VERSION);
        }
        boolean sameKind = name().equals(state.exportedBy);
        synchronized (lock) {
            // It may have been bound before: what it still holds is stale, the state is the truth.
            for (Group g : groups.values()) {
                g.normal.clear();
                g.idle.clear();
            }
            tasks.clear();
            groups.clear();
            realtime.clear();
            normal.groups.clear();
            idle.groups.clear();
            runnable = 0;
            if (sameKind) {
                long min = Long.MAX_VALUE;
                for (Map.Entry<String, Long> e : state.ownerVruntime.entrySet()) {
                    Group g = groups.computeIfAbsent(e.getKey(), o -> new Group(o, seq++));
                    g.weight = ownerWeights.getOrDefault(g.owner, NiceWeights.NICE_0);
                    g.vruntime = Math.max(g.vruntime, e.getValue());
                    min = Math.min(min, g.vruntime);
                }
                if (min != Long.MAX_VALUE) normal.minGroupVruntime = min;
            }
            for (int i = 0; i < state.count; i++) {
                SchedEntity entity = entities.apply(state.pids[i]);
                if (entity == null) continue;
                Task t = taskOf(entity);
                if (sameKind) t.vruntime = Math.max(t.vruntime, state.vruntimes[i]);
                enqueue(entity);
            }
            // A process that becomes runnable later starts where its tenant's queue is, not at 0.
            for (Group g : groups.values()) {
                if (!g.normal.isEmpty()) g.minTaskVruntime = Math.max(g.minTaskVruntime, ((Task) g.normal.peek()).vruntime);
            }
        }
    }

    /** A separate fair queue with the same tenant weights, e.g. for the calls to one LLM provider. */
    @Override
    public Scheduler forResource(String resource) {
        FairScheduler s = new FairScheduler();
        s.ownerWeights = ownerWeights;
        return s;
    }
}
