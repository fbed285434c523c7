package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.TreeBudget;
import org.agentos.kernel.impl.resource.ResourceGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5 of mediation for tools that are not CPU-bound: the I/O executor (a quarter of its
 * threads per owner at most), the LLM gates, timeouts, retries of idempotent transient errors,
 * and tools that answer later ({@code Tool.callAsync}). A program's call runs while its process
 * waits BLOCKED and completes it through {@link ParkedCalls}; a call from outside runs the same
 * way while its caller waits on its own thread.
 */
public final class ToolRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ToolRunner.class);

    private final Kernel k;
    private final ExecutorService io;

    public ToolRunner(Kernel k) {
        this.k = k;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(k.settings.ioThreads(), k.settings.ioThreads(), 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), Kernel.daemon("agentos-io"));
        pool.allowCoreThreadTimeOut(true);
        this.io = pool;
    }

    public void shutdown() {
        io.shutdownNow();
    }

    /** Step 5 of a program's call: its process waits BLOCKED, and the call's end completes it. */
    void runForProgram(Proc p, SyscallEntry e, JsonNode args) {
        if (e.descriptor.resourceClass() == ResourceClass.LLM) {
            waitForSlot(p, e, args);
        } else {
            submit(p, e, args, 0, null, 0);
        }
    }

    /**
     * Step 5 of a call from outside: the same gate, timeout and retries, waited for on the
     * caller's thread; then it waits out the byte rate the call used, as the program would
     * before its next step.
     */
    SyscallResult runOutside(Proc p, SyscallEntry e, JsonNode args) {
        SyscallResult r = e.descriptor.resourceClass() == ResourceClass.LLM ? awaitOutsideGated(e, p, args)
                : awaitOutside(e, p, args);
        waitOutThrottle(p);
        return r;
    }

    /** Runs a tool on this thread: a CPU tool inline on its worker, or an I/O tool's first part on an I/O thread. */
    SyscallResult invoke(SyscallEntry e, Proc p, JsonNode args, String callId) {
        try {
            JsonNode v = e.tool.call(new CallContext(p, e, callId), args);
            if (e.removed) return uninstalled(e);
            return SyscallResult.ok(v);
        } catch (SyscallException ex) {
            return SyscallResult.error(ex);
        } catch (RuntimeException | LinkageError ex) {
            if (e.removed) return uninstalled(e);
            return failure(e.name, ex);
        }
    }

    /** Step 6 for a call that failed with anything but a SyscallException: EIO, logged. */
    static SyscallResult failure(String name, Throwable ex) {
        LOG.warn("syscall {} failed", name, ex);
        return SyscallResult.error(Errno.EIO, name + " failed: " + ex);
    }

    /** A call whose tool went away while it ran. */
    static SyscallResult uninstalled(SyscallEntry e) {
        return SyscallResult.error(Errno.ENOSYS, e.name + " was uninstalled during the call (its bundle " + e.provider
                + " went away)");
    }

    /** A tool's view of the calling process. */
    private final class CallContext implements ToolContext {
        private final Proc p;
        /** The call's own entry: its resource class picks the byte-rate bucket (a call from outside is not the process's current call). */
        private final SyscallEntry entry;
        /** Null for a call from outside the program. */
        private final String callId;

        CallContext(Proc p, SyscallEntry entry, String callId) {
            this.p = p;
            this.entry = entry;
            this.callId = callId;
        }

        @Override
        public String callId() {
            return callId;
        }

        @Override
        public long pid() {
            return p.pid;
        }

        @Override
        public String owner() {
            return p.owner;
        }

        @Override
        public boolean permits(String capability) {
            return p.caps.permits(capability);
        }

        @Override
        public void chargeBytes(long bytes) throws SyscallException {
            k.resources.chargeBytes(p, bytes, entry);
        }

        @Override
        public void chargeTokens(long tokens) throws SyscallException {
            synchronized (p) {
                p.tokens += tokens;
                k.telemetry.tokens(p, tokens);
                if (p.tokens > p.quotas.tokens()) {
                    throw new SyscallException(Errno.EQUOTA, "used " + p.tokens + " LLM tokens, its quota is " + p.quotas.tokens());
                }
                TreeBudget over = p.budget == null ? null : p.budget.chargeTokens(tokens);
                if (over != null) {
                    throw new SyscallException(Errno.EQUOTA, "the process tree of pid " + over.pid + " used " + over.tokens.get()
                            + " LLM tokens, its quota is " + over.tokenLimit + " (shared by its descendants)");
                }
            }
        }
    }

    /**
     * {@link #invoke} for a tool that may answer later ({@code Tool.callAsync}): the I/O
     * thread is free once the tool returns its stage.
     */
    private java.util.concurrent.CompletionStage<SyscallResult> invokeToolAsync(SyscallEntry e, Proc p, JsonNode args,
                                                                                  String callId) {
        java.util.concurrent.CompletionStage<JsonNode> stage;
        try {
            stage = e.tool.callAsync(new CallContext(p, e, callId), args);
        } catch (RuntimeException | LinkageError ex) {
            return CompletableFuture.completedFuture(e.removed ? uninstalled(e) : failure(e.name, ex));
        }
        CompletableFuture<SyscallResult> result = stage.toCompletableFuture().handle((v, ex) -> {
            if (ex == null) return e.removed ? uninstalled(e) : SyscallResult.ok(v);
            Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            if (cause instanceof SyscallException se) return SyscallResult.error(se);
            if (cause instanceof CancellationException) return SyscallResult.error(Errno.ECANCELED, e.name + " was cancelled");
            return e.removed ? uninstalled(e) : failure(e.name, cause);
        });
        // cancelling a dependent stage does not reach the one it depends on: pass it on, so the tool stops its work
        result.whenComplete((r, ex) -> {
            if (result.isCancelled()) stage.toCompletableFuture().cancel(true);
        });
        return result;
    }

    /**
     * A language-model call: runs at once if its provider has a free slot, else the caller waits
     * BLOCKED in the gate's queue (a kill withdraws it) until a slot passes to it.
     */
    private void waitForSlot(Proc p, SyscallEntry e, JsonNode args) {
        ResourceGate gate = k.resources.gate(e.name);
        synchronized (p) {
            if (p.state.isTerminal()) return;
            k.parked.blockLocked(p, e.name + " (waiting for a slot)");
            if (!gate.acquire(p)) {
                CompletableFuture<Void> ticket = new CompletableFuture<>();
                ticket.whenComplete((v, ex) -> {
                    if (ex instanceof CancellationException) gate.cancel(p);
                });
                p.cancelCall = ticket;
                return;
            }
        }
        submit(p, e, args, 0, gate, k.hal.nanoTime());
    }

    /** The call that held a slot of {@code gate} since {@code since} ended: pass the slot on. */
    private void releaseSlot(ResourceGate gate, Proc p, long since) {
        Proc next = gate.release(p, k.hal.nanoTime() - since);
        if (next != null) startGranted(gate, next);
    }

    /** {@code p} was given a slot of {@code gate}: make its call, or pass the slot on if it ended while waiting. */
    public void startGranted(ResourceGate gate, Proc p) {
        for (Proc next = p; next != null; next = gate.release(next, 0)) {
            SyscallEntry e;
            JsonNode args;
            synchronized (next) {
                e = next.callInFlight ? next.callEntry : null;
                args = next.callArgs;
            }
            if (e != null) {
                submit(next, e, args, 0, gate, k.hal.nanoTime());
                return;
            }
        }
    }

    /** Runs a non-CPU tool on the I/O executor with its timeout; the caller is BLOCKED meanwhile. */
    private void submit(Proc p, SyscallEntry e, JsonNode args, int attempt, ResourceGate gate, long slotSince) {
        InFlightCall call;
        boolean ended;
        synchronized (p) {
            ended = p.state.isTerminal();
            if (!ended) k.parked.blockLocked(p, e.name);
        }
        if (ended) {
            if (gate != null) releaseSlot(gate, p, slotSince);
            return;
        }
        synchronized (p) {
            call = start(e, p, args, CallJournaling.callId(p));
            p.cancelCall = call;
        }
        long timeoutMs = e.descriptor.timeout().toMillis();
        call.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((r, ex) -> {
            SyscallResult result = r;
            if (ex != null) {
                Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
                if (cause instanceof TimeoutException) {
                    call.interruptRunner();
                    result = SyscallResult.error(Errno.ETIMEDOUT, e.name + " did not finish within " + timeoutMs + " ms");
                } else if (cause instanceof CancellationException) {
                    if (gate != null) releaseSlot(gate, p, slotSince);
                    // Killed or interrupted: whoever cancelled completes the process. Cancelled by a
                    // shutdown: the call is held, checkpointed, and made again after the restart.
                    if (k.quiescing()) k.parked.retryCall(p, null);
                    return;
                } else {
                    result = failure(e.name, cause);
                }
            }
            if (e.removed && result.isOk()) result = uninstalled(e);
            if (!result.isOk() && result.errno().isTransient() && e.descriptor.idempotent()
                    && attempt < k.settings.retries()) {
                long backoff = 10L << attempt;
                try {
                    // A retry keeps the slot it has.
                    k.timers.schedule(() -> submit(p, e, args, attempt + 1, gate, slotSince), backoff, TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException shuttingDown) {
                    // fall through with the error
                }
            }
            if (gate != null) releaseSlot(gate, p, slotSince);
            k.parked.complete(p, result);
        });
    }

    /** Starts a tool call on the I/O executor, tracked so that the tool's removal ends it with ENOSYS. */
    private InFlightCall start(SyscallEntry e, Proc p, JsonNode args, String callId) {
        InFlightCall call = new InFlightCall();
        e.inFlight.add(call);
        call.whenComplete((r, ex) -> e.inFlight.remove(call));
        if (e.removed) {
            call.abandon(uninstalled(e)); // removed between lookup and now
            return call;
        }
        try {
            executeIo(p.owner, () -> call.runAsync(() -> invokeToolAsync(e, p, args, callId)));
        } catch (RejectedExecutionException ex) {
            call.complete(SyscallResult.error(Errno.EAGAIN, "the kernel is shutting down"));
        }
        return call;
    }

    /** One owner's I/O calls: how many hold a thread, and those waiting for one of the owner's turns. */
    private static final class OwnerIo {
        int running;
        final java.util.ArrayDeque<Runnable> waiting = new java.util.ArrayDeque<>();
    }

    private final ConcurrentHashMap<String, OwnerIo> ioByOwner = new ConcurrentHashMap<>();

    /** The I/O threads one owner's calls may hold at once: a quarter of them (at least one). */
    public int ioThreadsPerOwner() {
        return Math.max(1, k.settings.ioThreads() / 4);
    }

    /**
     * Runs an I/O call on the shared pool, at most {@link #ioThreadsPerOwner} of one owner's at
     * a time; the owner's further calls wait in a queue of its own, not in the pool's, and take
     * the next turn one of its calls gives back. Why: one tenant's 40 slow commands held every
     * I/O thread, and another tenant's fs.read timed out behind them.
     */
    private void executeIo(String owner, Runnable task) {
        OwnerIo o = ioByOwner.computeIfAbsent(owner, x -> new OwnerIo());
        Runnable turn = () -> {
            try {
                task.run();
            } finally {
                nextIo(o);
            }
        };
        synchronized (o) {
            if (o.running >= ioThreadsPerOwner()) {
                o.waiting.addLast(turn);
                return;
            }
            o.running++;
        }
        try {
            io.execute(turn);
        } catch (RejectedExecutionException ex) {
            synchronized (o) {
                o.running--;
            }
            throw ex;
        }
    }

    /** A call of {@code o} ended: its turn goes to the owner's next waiting call, if any. */
    private void nextIo(OwnerIo o) {
        Runnable next;
        synchronized (o) {
            next = o.waiting.pollFirst();
            if (next == null) {
                o.running--;
                return;
            }
        }
        try {
            io.execute(next);
        } catch (RejectedExecutionException shuttingDown) {
            synchronized (o) {
                o.running--; // the kernel is stopping: its calls are checkpointed and made again after the restart
            }
        }
    }

    /**
     * A tool call made from outside a program, on the caller's thread: retried with back-off
     * when the tool is idempotent and the error transient, as a program's call is.
     */
    private SyscallResult awaitOutside(SyscallEntry e, Proc p, JsonNode args) {
        for (int attempt = 0; ; attempt++) {
            SyscallResult r = awaitOutsideOnce(e, p, args);
            if (r.isOk() || !r.errno().isTransient() || !e.descriptor.idempotent() || attempt >= k.settings.retries()) return r;
            try {
                Thread.sleep(10L << attempt);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
    }

    /**
     * A language-model call from outside a program: it waits for a slot of its provider's gate on
     * its own thread (at most the tool's timeout), so llmConcurrency holds for it as for programs.
     */
    private SyscallResult awaitOutsideGated(SyscallEntry e, Proc p, JsonNode args) {
        ResourceGate gate = k.resources.gate(e.name);
        CompletableFuture<Void> slot = gate.acquireOutside();
        long timeoutMs = e.descriptor.timeout().toMillis();
        try {
            slot.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException | java.util.concurrent.ExecutionException ex) {
            if (!gate.cancelOutside(slot)) releaseSlot(gate, p, k.hal.nanoTime()); // given meanwhile: pass it on
            if (ex instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return SyscallResult.error(Errno.EINTR, e.name + " was interrupted while waiting for a slot");
            }
            return SyscallResult.error(Errno.ETIMEDOUT, e.name + " found no free slot of its provider within " + timeoutMs + " ms");
        }
        long since = k.hal.nanoTime();
        try {
            return awaitOutside(e, p, args);
        } finally {
            releaseSlot(gate, p, since);
        }
    }

    /**
     * A caller from outside waits out the byte rate its call used up, as the program would wait
     * before its next step: the process's buckets count every call made as it.
     */
    private void waitOutThrottle(Proc p) {
        long until;
        synchronized (p) {
            until = p.throttle == null ? 0 : p.throttle.untilNanos;
        }
        long wait = until - k.hal.nanoTime();
        if (wait <= 0) return;
        try {
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.SECONDS.toNanos(60)));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private SyscallResult awaitOutsideOnce(SyscallEntry e, Proc p, JsonNode args) {
        InFlightCall call = start(e, p, args, null);
        long timeoutMs = e.descriptor.timeout().toMillis();
        try {
            return call.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException ex) {
            call.cancel(true);
            return SyscallResult.error(Errno.ETIMEDOUT, e.name + " did not finish within " + timeoutMs + " ms");
        } catch (InterruptedException ex) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return SyscallResult.error(Errno.EINTR, e.name + " was interrupted");
        } catch (java.util.concurrent.ExecutionException ex) {
            return failure(e.name, ex.getCause());
        } catch (CancellationException ex) {
            return SyscallResult.error(Errno.ECANCELED, e.name + " was cancelled");
        }
    }
}
