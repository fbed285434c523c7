package org.agentos.scheduler.fair;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.WeakHashMap;
import org.agentos.kernel.api.sched.SchedEntity;
import org.agentos.kernel.api.sched.Scheduler;
import org.osgi.service.component.annotations.Component;

/**
 * Weighted fair scheduling in two levels, after CFS group scheduling: tenants (process owners)
 * share the CPU equally, and within a tenant its processes share by their nice weights. Each
 * level orders by virtual runtime (CPU time divided by weight) in a balanced tree, so a decision
 * costs O(log n). A process or tenant that becomes runnable again starts at the current minimum
 * virtual runtime of its level: sleeping earns no credit to burst with later. One tenant with
 * 10,000 agents therefore gets the same CPU as a tenant with 10.
 *
 * <p>Ranked above the kernel's round-robin fallback, so installing this bundle swaps it in.
 */
@Component(service = Scheduler.class, property = {"service.ranking:Integer=100", "agentos.subsystem.name=fair"})
public class FairScheduler implements Scheduler {

    /** Scheduling state of one process. Guarded by the scheduler's lock. */
    private static final class Task {
        final SchedEntity entity;
        final long seq;
        final Group group;
        int weight = NiceWeights.NICE_0;
        long vruntime;
        boolean queued;

        Task(SchedEntity entity, long seq, Group group) {
            this.entity = entity;
            this.seq = seq;
            this.group = group;
        }
    }

    /** A tenant: its runnable tasks in virtual-runtime order. Guarded by the scheduler's lock. */
    private static final class Group {
        final String owner;
        final long seq;
        final TreeSet<Task> runnable = new TreeSet<>(FairScheduler::byVruntime);
        long vruntime;
        long minTaskVruntime;

        Group(String owner, long seq) {
            this.owner = owner;
            this.seq = seq;
        }
    }

    private static int byVruntime(Task a, Task b) {
        int c = Long.compare(a.vruntime, b.vruntime);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    }

    private static int byVruntime(Group a, Group b) {
        int c = Long.compare(a.vruntime, b.vruntime);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    }

    private final Object lock = new Object();
    // Keyed by the kernel's process objects: state goes away when the kernel reaps the process.
    private final Map<SchedEntity, Task> tasks = new WeakHashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    private final TreeSet<Group> runnableGroups = new TreeSet<>(FairScheduler::byVruntime);
    private long minGroupVruntime;
    private long seq;
    private int runnable;

    @Override
    public String name() {
        return "fair";
    }

    @Override
    public void enqueue(SchedEntity entity) {
        synchronized (lock) {
            Task t = tasks.get(entity);
            if (t == null) {
                Group g = groups.computeIfAbsent(entity.owner(), o -> new Group(o, seq++));
                t = new Task(entity, seq++, g);
                t.vruntime = g.minTaskVruntime;
                tasks.put(entity, t);
            }
            if (t.queued) return;
            t.weight = NiceWeights.of(entity.nice());
            Group g = t.group;
            // No credit for time spent not runnable: start at the level's current minimum.
            t.vruntime = Math.max(t.vruntime, g.minTaskVruntime);
            if (g.runnable.isEmpty()) {
                g.vruntime = Math.max(g.vruntime, minGroupVruntime);
                runnableGroups.add(g);
            }
            g.runnable.add(t);
            t.queued = true;
            runnable++;
        }
    }

    @Override
    public SchedEntity pickNext() {
        synchronized (lock) {
            Group g = runnableGroups.pollFirst();
            if (g == null) return null;
            minGroupVruntime = Math.max(minGroupVruntime, g.vruntime);
            Task t = g.runnable.pollFirst();
            t.queued = false;
            runnable--;
            g.minTaskVruntime = Math.max(g.minTaskVruntime, t.vruntime);
            if (!g.runnable.isEmpty()) runnableGroups.add(g);
            return t.entity;
        }
    }

    @Override
    public void remove(SchedEntity entity) {
        synchronized (lock) {
            Task t = tasks.get(entity);
            if (t == null || !t.queued) return;
            Group g = t.group;
            runnableGroups.remove(g);
            g.runnable.remove(t);
            t.queued = false;
            runnable--;
            if (!g.runnable.isEmpty()) runnableGroups.add(g);
        }
    }

    /** Advances the process's and its tenant's virtual runtime by the CPU time it used. */
    @Override
    public void charge(SchedEntity entity, long nanos) {
        if (nanos <= 0) return;
        synchronized (lock) {
            Task t = tasks.get(entity);
            if (t == null) return;
            Group g = t.group;
            boolean requeueGroup = runnableGroups.remove(g);
            if (t.queued) g.runnable.remove(t);
            t.vruntime += nanos * NiceWeights.NICE_0 / t.weight;
            if (t.queued) g.runnable.add(t);
            g.vruntime += nanos;
            if (requeueGroup) runnableGroups.add(g);
        }
    }

    @Override
    public int runnable() {
        synchronized (lock) {
            return runnable;
        }
    }
}
