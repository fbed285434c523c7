package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.program.StepContext;

/**
 * The agents whose code is live on a thread, at most {@code maxLive} of them: JDK 17 has no
 * virtual threads, so 100,000 waiting agents cannot mean 100,000 threads. When a new run needs
 * room, the run that has waited longest since its last step is evicted (its stack unwinds, its
 * thread goes back to the pool); that agent is rebuilt by replay when its call completes. Runs
 * idle longer than {@code idleMillis} are evicted too, and a run whose process ended at once.
 */
final class LiveRuns {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LiveRuns.class);

    /** By key (the pid; a replay's runs under the negated pid), least recently stepped first. */
    private final LinkedHashMap<Long, LiveRun> byPid = new LinkedHashMap<>(64, 0.75f, true);
    private final ExecutorService threads;
    private final ObjectMapper json;
    private volatile int maxLive;
    private volatile long idleNanos;
    private volatile int maxHistory;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    LiveRuns(ObjectMapper json, int maxLive, long idleMillis, int maxHistory) {
        this.json = json;
        configure(maxLive, idleMillis, maxHistory);
        AtomicLong n = new AtomicLong();
        ThreadFactory f = r -> {
            Thread t = new Thread(r, "agent-run-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // Unbounded on purpose: the bound is on live runs (above); an evicted run's thread may
        // still be unwinding when its successor starts.
        this.threads = Executors.newCachedThreadPool(f);
    }

    void configure(int maxLive, long idleMillis, int maxHistory) {
        if (maxLive < 1) throw new IllegalArgumentException("maxLiveAgents must be at least 1, not " + maxLive);
        if (maxHistory < 1) throw new IllegalArgumentException("maxHistory must be at least 1, not " + maxHistory);
        this.maxLive = maxLive;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, idleMillis));
        this.maxHistory = maxHistory;
    }

    /** The live run of {@code pid} (of its replay when {@code replaying}), marked as just used; null when there is none. */
    synchronized LiveRun get(long pid, boolean replaying) {
        return byPid.get(key(pid, replaying));
    }

    /** A replay of a process (agent:replay) runs beside the process's own run, never in its place. */
    private static long key(long pid, boolean replaying) {
        return replaying ? -pid : pid;
    }

    /** A new run of {@code agent} for {@code pid} from {@code history}, started inside step {@code ctx}. */
    LiveRun start(long pid, Agent<Object> agent, JsonNode input, History history, StepContext ctx) {
        LiveRun run = new LiveRun(pid, key(pid, ctx.replaying()), agent, input, history, json, this, maxHistory);
        List<LiveRun> out = new ArrayList<>(1);
        synchronized (this) {
            LiveRun old = byPid.put(run.key, run);
            if (old != null) out.add(old);
            makeRoomLocked(out);
        }
        for (LiveRun r : out) r.evict();
        started.incrementAndGet();
        run.start(ctx, threads);
        return run;
    }

    /** Evicts the least recently stepped waiting runs while there are more than maxLive. */
    private void makeRoomLocked(List<LiveRun> out) {
        int over = byPid.size() - maxLive;
        for (Iterator<LiveRun> it = byPid.values().iterator(); over > 0 && it.hasNext(); ) {
            LiveRun r = it.next();
            if (r.evictIfWaiting()) {
                it.remove();
                evicted.incrementAndGet();
                over--;
            }
        }
        if (over > 0) LOG.debug("{} live agent runs, {} over the bound: the others are in a step", byPid.size(), over);
    }

    /** Its thread finished (returned, failed or unwound). */
    synchronized void ended(LiveRun run) {
        byPid.remove(run.key, run);
    }

    /** Process {@code pid} ended: its run, if live, goes. */
    void processEnded(long pid) {
        LiveRun r;
        synchronized (this) {
            r = byPid.remove(pid);
        }
        if (r != null) r.evict();
    }

    /** Evicts the runs that have waited longer than idleMillis. */
    void evictIdle() {
        long idle = idleNanos;
        if (idle == 0) return;
        long now = System.nanoTime();
        synchronized (this) {
            for (Iterator<LiveRun> it = byPid.values().iterator(); it.hasNext(); ) {
                LiveRun r = it.next();
                if (r.isWaiting() && now - r.waitingSinceNanos > idle && r.evictIfWaiting()) {
                    it.remove();
                    evicted.incrementAndGet();
                }
            }
        }
    }

    synchronized int live() {
        return byPid.size();
    }

    long startedCount() {
        return started.get();
    }

    long evictedCount() {
        return evicted.get();
    }

    int maxHistory() {
        return maxHistory;
    }

    /** Evicts every run and stops the threads. */
    void close() {
        List<LiveRun> all;
        synchronized (this) {
            all = new ArrayList<>(byPid.values());
            byPid.clear();
        }
        for (LiveRun r : all) r.evict();
        threads.shutdown();
    }

    @Override
    public String toString() {
        return live() + " live of at most " + maxLive + " (" + started.get() + " started, " + evicted.get() + " evicted)";
    }
}
