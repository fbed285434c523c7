package org.agentos.cluster.hazelcast;

import java.lang.management.ManagementFactory;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.SystemMetrics;

/** What a node publishes about itself: its processes, its workers, the host's load, its memory level. */
final class NodeLoad {
    private NodeLoad() {}

    static NodeStatus of(String name, int number, String address, KernelMetrics kernel, long nowMillis) {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (kernel == null) return new NodeStatus(name, number, address, true, NodeStatus.UP, 0, 0, 0, 0, 0, load, "", nowMillis);
        SystemMetrics s = kernel.system();
        long live = 0;
        for (var e : s.processes().entrySet()) {
            if (!e.getKey().isTerminal()) live += e.getValue();
        }
        long runnable = s.processes().getOrDefault(ProcessState.READY, 0L) + s.processes().getOrDefault(ProcessState.RUNNING, 0L);
        return new NodeStatus(name, number, address, true, NodeStatus.UP, live, runnable, s.processes().getOrDefault(ProcessState.BLOCKED, 0L),
                s.workers(), s.busy(), load, s.memoryLevel(), nowMillis);
    }
}
