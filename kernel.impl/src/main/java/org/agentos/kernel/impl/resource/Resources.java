package org.agentos.kernel.impl.resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.syscall.SyscallEntry;

/**
 * Resource arbitration and accounting beyond CPU: the LLM gates (bounded concurrency per
 * language-model tool), the byte rates of I/O and network tools (token buckets per process),
 * and the byte quota. The limits are kernel config, applied at once.
 */
public final class Resources {
    private final Kernel k;

    public Resources(Kernel k) {
        this.k = k;
        this.llmConcurrency = k.settings.llmConcurrency();
        this.ioBytesPerSecond = k.settings.ioBytesPerSecond();
        this.netBytesPerSecond = k.settings.netBytesPerSecond();
    }

    /** Waiting LLM callers are ordered by {@code s}'s policy from now on (a scheduler swap). */
    public void orderBy(Scheduler s) {
        for (ResourceGate g : gates.values()) g.setOrder(s == null ? null : s.forResource(g.resource));
    }

    /** One per language-model tool that has been called. */
    private final Map<String, ResourceGate> gates = new ConcurrentHashMap<>();

    private volatile int llmConcurrency;

    private volatile long ioBytesPerSecond;

    private volatile long netBytesPerSecond;

    /** The gate of language-model tool {@code resource}, made at its first call. */
    public ResourceGate gate(String resource) {
        return gates.computeIfAbsent(resource, r -> {
            Scheduler s = k.scheduler();
            return new ResourceGate(r, llmConcurrency, s == null ? null : s.forResource(r));
        });
    }

    /** Applies new limits at once: a higher LLM concurrency starts waiting callers. */
    public void setLimits(int llmConcurrency, long ioBytesPerSecond, long netBytesPerSecond) {
        if (llmConcurrency <= 0 || ioBytesPerSecond < 0 || netBytesPerSecond < 0) {
            throw new IllegalArgumentException("llmConcurrency must be > 0 and byte rates >= 0");
        }
        this.llmConcurrency = llmConcurrency;
        this.ioBytesPerSecond = ioBytesPerSecond;
        this.netBytesPerSecond = netBytesPerSecond;
        for (ResourceGate g : gates.values()) {
            for (Proc p : g.setLimit(llmConcurrency)) k.tools.startGranted(g, p);
        }
    }

    public int llmConcurrency() {
        return llmConcurrency;
    }

    public long ioBytesPerSecond() {
        return ioBytesPerSecond;
    }

    public long netBytesPerSecond() {
        return netBytesPerSecond;
    }

    /** The LLM gates now, for the metrics. */
    public List<org.agentos.kernel.api.telemetry.SystemMetrics.Gate> gateMetrics() {
        List<org.agentos.kernel.api.telemetry.SystemMetrics.Gate> out = new ArrayList<>();
        for (ResourceGate g : gates.values()) out.add(g.metrics());
        return out;
    }

    /** The arbitrated resources, for kernel:subsystems. */
    public List<String> summary() {
        List<String> out = new ArrayList<>();
        for (ResourceGate g : gates.values()) out.add(g.toString());
        out.sort(null);
        return out;
    }

    /**
     * Bytes a tool moved for {@code p}: charged to the token bucket of the call's resource class.
     * Returns how long the process must wait before its next step (0: no wait). Holds p.
     */
    long chargeRateLocked(Proc p, long bytes, SyscallEntry entry) {
        ResourceClass rc = entry == null ? null : entry.descriptor.resourceClass();
        long now = k.hal.nanoTime();
        long delay = 0;
        boolean io = rc == ResourceClass.IO && ioBytesPerSecond > 0;
        boolean net = rc == ResourceClass.NET && netBytesPerSecond > 0;
        if (!io && !net) return 0;
        Proc.Throttle t = p.throttle == null ? p.throttle = new Proc.Throttle() : p.throttle;
        if (io) {
            if (t.io == null) t.io = new TokenBucket(ioBytesPerSecond, now);
            delay = t.io.take(bytes, now);
        } else {
            if (t.net == null) t.net = new TokenBucket(netBytesPerSecond, now);
            delay = t.net.take(bytes, now);
        }
        if (delay > 0) {
            t.untilNanos = Math.max(t.untilNanos, now + delay);
            t.reason = rc == ResourceClass.NET ? "network bytes/s" : "I/O bytes/s";
        }
        return delay;
    }


    /** Charges {@code bytes} moved to {@code p}'s byte quota and rate: EQUOTA past the quota. */
    public void chargeBytes(Proc p, long bytes) throws SyscallException {
        chargeBytes(p, bytes, null);
    }


    /** As {@link #chargeBytes(Proc, long)}, the rate charged to the bucket of {@code entry}'s class (null: the process's current call). */
    public void chargeBytes(Proc p, long bytes, SyscallEntry entry) throws SyscallException {
        synchronized (p) {
            p.bytes += bytes;
            chargeRateLocked(p, bytes, entry != null ? entry : p.callEntry);
            if (p.bytes > p.quotas.bytes()) {
                throw new SyscallException(Errno.EQUOTA, "moved " + p.bytes + " bytes, its quota is " + p.quotas.bytes());
            }
        }
    }
}
