package org.agentos.kernel.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.sched.Scheduler;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.impl.syscall.SyscallEntry;

/**
 * What {@code kernel:subsystems} shows: for each subsystem, what is bound, by which bundle, what
 * else is registered that could be, and how it is doing. Read-only: it only looks at the kernel.
 */
final class SubsystemReport {
    private SubsystemReport() {}

    static List<SubsystemBinding> of(Kernel k, Hal hal, String halBundle, Collection<String> schedulers,
            Collection<String> hals, Collection<String> memories, int refused) {
        Scheduler s = k.scheduler();
        List<SubsystemBinding> out = new ArrayList<>();
        String schedNote = s == null ? "no scheduler bound: " + k.procs.readyCount() + " processes wait READY"
                : s.runnable() + " queued; " + k.workerSummary();
        if (k.lastSwap() != null) schedNote += "; last swap " + k.lastSwap();
        out.add(new SubsystemBinding("scheduler", Scheduler.class.getName(), s == null ? null : s.name(),
                k.schedulers.provider(), new ArrayList<>(schedulers), schedNote));
        String disk = k.settings.dataDir() == null ? "" : ", disk " + hal.diskSpace(k.settings.dataDir());
        out.add(new SubsystemBinding("hal", Hal.class.getName(), hal.name(), halBundle, new ArrayList<>(hals),
                hal.cpuCount() + " CPUs, load " + String.format("%.2f", hal.loadAverage()) + ", " + hal.memory() + disk
                        + "; " + sandboxSummary(hal) + (k.lastHalSwap() == null ? "" : "; last swap " + k.lastHalSwap())));
        MemoryManager mm = k.mem.manager();
        String memNote = mm == null ? "no memory manager bound: mem.* calls wait" : mm.spaces().size() + " spaces, "
                + k.mem.sync.waiting() + " processes waiting for a lock or semaphore";
        if (k.mem.lastSwap() != null) memNote += "; last swap " + k.mem.lastSwap();
        out.add(new SubsystemBinding("memory", MemoryManager.class.getName(), mm == null ? null : mm.name(),
                k.mem.provider(), new ArrayList<>(memories), memNote + "; pressure " + k.memory.level().name()
                        + " (" + k.memory + ")"));
        out.add(new SubsystemBinding("resources", "language-model and byte-rate arbitration",
                k.resources.llmConcurrency() + " calls in flight per LLM tool", null, k.resourceSummary(),
                "per process: I/O " + rate(k.resources.ioBytesPerSecond()) + ", network " + rate(k.resources.netBytesPerSecond())));
        List<String> tools = new ArrayList<>();
        for (SyscallEntry e : k.syscalls.sorted()) tools.add(e.name + " (" + e.provider + ")");
        out.add(new SubsystemBinding("syscalls", Tool.class.getName(), tools.size() + " syscalls", null, tools,
                "kernel calls and Tool services" + (refused == 0 ? "" : "; " + refused + " tools refused: their bundles "
                        + "lack permission " + KernelPermission.TOOL_PROVIDE + " (perm:list)")));
        out.add(new SubsystemBinding("audit", AuditLog.class.getName(), "audit log", null, List.of(),
                k.audit.retention() + "; kept " + k.settings.auditSegments() + " segments of " + (k.settings.auditSegmentBytes() >> 20)
                        + " MiB per stream, " + (k.settings.auditRetentionMillis() == 0 ? "no age limit"
                        : "at most " + TimeUnit.MILLISECONDS.toDays(k.settings.auditRetentionMillis()) + " days")));
        List<String> progs = new ArrayList<>();
        for (ProgramInfo p : k.programs()) progs.add(p.name() + " (" + p.bundle() + ")");
        out.add(new SubsystemBinding("programs", Program.class.getName(), progs.size() + " programs", null, progs, ""));
        return out;
    }

    /** What the HAL's sandbox cannot enforce on this host, said plainly, or that it enforces everything. */
    static String sandboxSummary(Hal hal) {
        List<String> off = new ArrayList<>();
        try {
            for (SandboxProtection p : hal.sandbox().protections()) {
                if (!p.enforced()) off.add(p.name() + " (" + p.detail() + ")");
            }
        } catch (RuntimeException e) {
            return "sandbox unknown: " + e.getMessage();
        }
        return off.isEmpty() ? "sandbox: every protection on" : "sandbox protections OFF: " + String.join(", ", off);
    }

    private static String rate(long bytesPerSecond) {
        return bytesPerSecond == 0 ? "unlimited" : bytesPerSecond + " bytes/s";
    }
}
