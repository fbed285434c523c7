package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.Executor;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.program.StepContext;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * One execution of an agent's code on a platform thread of its own, kept while the agent is
 * live so that its stack waits for a call's result instead of being rebuilt by replay.
 *
 * <p>The protocol with the kernel's CPU worker that runs the process's step: the worker hands
 * the run a step ({@link #start} or {@link #resume}) and waits ({@link #awaitOutcome}); the run
 * computes, makes the calls that complete at once inside the step ({@link StepContext#callNow}),
 * and hands back the call the step ends with, or its end; then it waits for that call's result
 * (the next step) or for eviction, which unwinds its stack. Only one of the two threads works at
 * a time, so the step is the agent's code exactly as a program's step is.
 *
 * <p>A run started from a history first replays it: each call the code asks for must be the
 * recorded one (name and arguments), and is served the recorded result without being made.
 */
final class LiveRun implements Runnable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LiveRun.class);

    final long pid;
    /** Its place among the live runs: the pid, or for a replay's run the negated pid (LiveRuns). */
    final long key;
    final Agent<Object> agent;
    private final JsonNode input;
    private final ObjectMapper json;
    private final LiveRuns runs;
    private final int maxHistory;
    /** The history this run started from, served to the code in order. */
    private final Recorded[] replay;
    private int replayed;
    /** Set once the run is being unwound: every later call unwinds again, whatever the code caught. */
    private Unwind unwinding;

    // Handed between the step's worker and this run's thread; guarded by this.
    private History head;
    private StepContext step;
    private Outcome outcome;
    private SyscallResult delivered;
    private boolean waiting;
    /** A worker waits for this run's step to end. */
    private boolean stepping;
    private boolean evicted;
    /** When the run began waiting for a result (System.nanoTime), for idle eviction. */
    volatile long waitingSinceNanos;
    /** The thread running the code, while it does. */
    private volatile Thread thread;

    LiveRun(long pid, long key, Agent<Object> agent, JsonNode input, History history, ObjectMapper json, LiveRuns runs,
            int maxHistory) {
        this.pid = pid;
        this.key = key;
        this.agent = agent;
        this.input = input;
        this.json = json;
        this.runs = runs;
        this.maxHistory = maxHistory;
        this.head = history;
        this.replay = history.toArray();
    }

    // ------------------------------------------------------------------ the worker's side

    /** Starts the code on a thread of {@code threads}, inside step {@code ctx}; then {@link #awaitOutcome}. */
    void start(StepContext ctx, Executor threads) {
        synchronized (this) {
            step = ctx;
            stepping = true;
        }
        threads.execute(this);
    }

    /**
     * Gives the run the result of the call its last step ended with, {@code next} being the
     * history with it; false when the run was evicted meanwhile (then start afresh by replay).
     */
    boolean resume(History next, SyscallResult last, StepContext ctx) {
        synchronized (this) {
            if (evicted || !waiting) return false;
            head = next;
            delivered = last;
            step = ctx;
            waiting = false;
            stepping = true;
            notifyAll();
            return true;
        }
    }

    /** Waits until the step ends. An interrupt (the watchdog gave up on the step) evicts the run. */
    Outcome awaitOutcome() throws InterruptedException {
        synchronized (this) {
            try {
                while (outcome == null) wait();
            } catch (InterruptedException e) {
                evicted = true;
                notifyAll();
                throw e;
            }
            Outcome o = outcome;
            outcome = null;
            step = null;
            return o;
        }
    }

    /** The history as this run knows it: the sync check of a step (identity). */
    synchronized History head() {
        return head;
    }

    /** Evicts the run if it waits between steps: its thread unwinds and is free. */
    synchronized boolean evictIfWaiting() {
        if (!waiting || evicted) return false;
        evicted = true;
        notifyAll();
        return true;
    }

    /**
     * Evicts the run whatever it does (its process ended): a step it is in ends at its next call.
     * Code that runs without calling (a loop the watchdog gave up on) is interrupted, which code
     * that checks (workflows do at every loop) ends on.
     */
    synchronized void evict() {
        evicted = true;
        notifyAll();
        Thread t = thread;
        if (!waiting && t != null) t.interrupt();
    }

    synchronized boolean isWaiting() {
        return waiting && !evicted;
    }

    // ------------------------------------------------------------------ the run's thread

    @Override
    public void run() {
        Thread t = Thread.currentThread();
        thread = t;
        String name = t.getName();
        t.setName("agent-run pid " + pid + " " + agent.name());
        Outcome end;
        try {
            Object typed = json.convertValue(input, agent.inputType());
            String answer = agent.run(new SysCalls(this, json), typed);
            end = unwinding != null ? unwinding.outcome : new Outcome.Exit(0, answer, head());
        } catch (Unwind u) {
            end = u.outcome;
        } catch (SyscallFailure f) {
            end = unwinding != null ? unwinding.outcome : new Outcome.Exit(1, f.getMessage(), head());
        } catch (Throwable x) {
            end = unwinding != null ? unwinding.outcome : new Outcome.Crash(x, head());
        } finally {
            thread = null;
            Thread.interrupted(); // an eviction's interrupt ends with this run, not with the pool's next task
            t.setName(name);
            runs.ended(this);
        }
        post(end);
    }

    /** One call of the code: served from the history while replaying, then made. */
    JsonNode call(String name, JsonNode args) {
        if (unwinding != null) throw unwinding;
        int hash = args.hashCode();
        if (replayed < replay.length) {
            Recorded r = replay[replayed];
            if (!r.call().equals(name) || r.argsHash() != hash) throw unwind(diverged(r, name, args));
            replayed++;
            return r.valueOrThrow();
        }
        StepContext ctx;
        synchronized (this) {
            if (evicted) throw unwind(null);
            if (head.size >= maxHistory) {
                throw unwind(new Outcome.Exit(1, "EQUOTA: the agent made " + head.size + " calls, the most one run "
                        + "may keep for its replay; a long-running agent calls sys.continueAsNew(input) to start afresh",
                        head));
            }
            ctx = step;
        }
        SyscallResult r = ctx == null ? null : ctx.callNow(name, args);
        if (r != null) {
            synchronized (this) {
                head = head.plus(Recorded.of(name, hash, r));
            }
        } else {
            r = endStepWith(name, args, hash);
        }
        if (r.isOk()) return r.value();
        throw new SyscallFailure(name, r.errno(), r.message());
    }

    /** Ends the step with this call and waits for its result (or eviction). */
    private synchronized SyscallResult endStepWith(String name, JsonNode args, int hash) {
        outcome = new Outcome.Call(name, args, hash, head);
        step = null;
        stepping = false;
        waiting = true;
        waitingSinceNanos = System.nanoTime();
        notifyAll();
        boolean interrupted = false;
        while (waiting && !evicted) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // only eviction or a result ends the wait; the flag is kept
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (evicted) throw unwind(null);
        SyscallResult r = delivered;
        delivered = null;
        return r;
    }

    /** Ends the run and restarts the agent with {@code next} as its input. */
    void continueAsNew(Object next) {
        throw unwind(new Outcome.Restart(json.valueToTree(next), head()));
    }

    private Unwind unwind(Outcome o) {
        unwinding = new Unwind(o);
        return unwinding;
    }

    /** The run's end, to the step that waits for it (if one does: after an eviction between steps none does). */
    private synchronized void post(Outcome o) {
        if (!stepping) return;
        // evicted inside a step: its process ended, and the kernel ignores what the step returns
        outcome = o != null ? o : new Outcome.Exit(137, "the agent's run was ended with its process", head);
        stepping = false;
        notifyAll();
    }

    private Outcome diverged(Recorded r, String name, JsonNode args) {
        String was = r.call().equals(name) ? name + " with other arguments" : name;
        String reason = "replay diverged at call " + (replayed + 1) + " of " + replay.length + ": the history has "
                + r.call() + ", the code now asks for " + was + " " + abbreviate(args) + " (agent code must make the "
                + "same calls in the same order given its input and results: docs/agents.md)";
        LOG.warn("pid {} ({}): {}", pid, agent.name(), reason);
        return new Outcome.Diverged(reason, head());
    }

    private static String abbreviate(JsonNode args) {
        String s = args.toString();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /**
     * Unwinds the agent's stack: an eviction ({@code outcome} null), a divergence, a restart. An
     * {@link Error} so that agent code catching {@code Exception} lets it through.
     */
    static final class Unwind extends Error {
        private static final long serialVersionUID = 1L;
        final transient Outcome outcome;

        Unwind(Outcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }
}
