package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.Optional;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Pids of other nodes, for the commands that take a pid: a pid not in this node's table whose
 * range is another live node's is that node's to act on (docs/cluster.md). Without the cluster
 * bundle every pid is this node's.
 */
final class ClusterPids {
    private ClusterPids() {}

    /** The node that runs {@code pid} when it is another one. */
    static Optional<String> nodeOf(ProcessManager processes, Cluster cluster, long pid) {
        if (cluster == null || processes.info(pid).isPresent()) return Optional.empty();
        try {
            return cluster.nodeOf(pid);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e); // its node left: not "no such process"
        }
    }

    /** The pids of {@code pids} that are this node's. */
    static List<Long> local(ProcessManager processes, Cluster cluster, List<Long> pids) {
        return pids.stream().filter(pid -> nodeOf(processes, cluster, pid).isEmpty()).toList();
    }

    /**
     * Signals each pid here or on its node (which checks the user's right to it itself), printing
     * {@code done} for each, and the node's name for a remote one.
     */
    static void each(ProcessManager processes, Cluster cluster, ConsoleUser user, List<Long> pids, Cluster.Signal signal,
                     Pids.Op here, String done) {
        user.requireOwnerOf(processes, local(processes, cluster, pids));
        SyscallException first = null;
        StringBuilder messages = new StringBuilder();
        for (long pid : pids) {
            try {
                Optional<String> node = nodeOf(processes, cluster, pid);
                if (node.isPresent()) cluster.signal(pid, signal, user.operator());
                else here.apply(pid);
                System.out.println(done + " " + pid + node.map(n -> " (on node " + n + ")").orElse(""));
            } catch (SyscallException e) {
                if (first == null) first = e;
                messages.append(messages.length() == 0 ? "" : "; ").append(e.getMessage());
            }
        }
        if (first != null) throw ConsoleErrors.of(new SyscallException(first.errno(), messages.toString()));
    }
}
