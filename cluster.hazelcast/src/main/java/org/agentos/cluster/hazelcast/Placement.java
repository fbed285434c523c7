package org.agentos.cluster.hazelcast;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.agentos.kernel.api.cluster.NodeStatus;

/**
 * Where {@code agent:spawn --node auto} puts a process: the up node with the fewest runnable
 * processes per CPU worker (its run queue), then the lower memory level (NORMAL before THROTTLE
 * before PAUSE_IDLE), then fewer live processes, then the name (so the choice is the same on
 * every node that makes it from the same statuses).
 */
final class Placement {
    private Placement() {}

    static Optional<NodeStatus> leastLoaded(List<NodeStatus> nodes) {
        return nodes.stream().filter(n -> NodeStatus.UP.equals(n.state()))
                .min(Comparator.comparingDouble(Placement::runQueue).thenComparingInt(Placement::memoryRank)
                        .thenComparingLong(NodeStatus::processes).thenComparing(NodeStatus::name));
    }

    static double runQueue(NodeStatus n) {
        return (double) n.runnable() / Math.max(1, n.workers());
    }

    static int memoryRank(NodeStatus n) {
        return switch (n.memoryLevel() == null ? "" : n.memoryLevel()) {
            case "NORMAL", "" -> 0;
            case "THROTTLE" -> 1;
            default -> 2;
        };
    }
}
