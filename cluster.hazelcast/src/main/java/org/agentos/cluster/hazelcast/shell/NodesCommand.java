package org.agentos.cluster.hazelcast.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "cluster", name = "nodes", description = "The nodes of the cluster: name, number (node n's pids start at n x 10^12), address, state, processes, runnable, "
        + "blocked, busy workers, the host's load, memory level, when each last published (* marks this node).")
public class NodesCommand implements Action {
    @Reference
    Cluster cluster;

    @Option(name = "-j", aliases = "--json", description = "as JSON, for scripts")
    boolean asJson;

    @Override
    public Object execute() throws Exception {
        List<NodeStatus> nodes = cluster.nodes();
        if (asJson) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(nodes));
            return null;
        }
        if (nodes.isEmpty()) {
            System.out.println("node " + cluster.localNode() + " is not in a cluster: its member is " + cluster.state());
            return null;
        }
        long now = System.currentTimeMillis();
        System.out.printf("cluster %s, %d node(s)%n", cluster.name(), nodes.size());
        System.out.printf("  %-24s %3s %-22s %-8s %9s %8s %8s %6s %6s %-10s %s%n", "NODE", "#", "ADDRESS", "STATE", "PROCESSES", "RUNNABLE",
                "BLOCKED", "BUSY", "LOAD", "MEMORY", "SEEN");
        for (NodeStatus n : nodes) {
            boolean joining = NodeStatus.JOINING.equals(n.state());
            System.out.printf("%s %-24s %3s %-22s %-8s %9s %8s %8s %6s %6s %-10s %s%n", n.local() ? "*" : " ", n.name(), n.number() == 0 ? "-" : Integer.toString(n.number()), n.address(), n.state(),
                    joining ? "-" : Long.toString(n.processes()), joining ? "-" : Long.toString(n.runnable()),
                    joining ? "-" : Long.toString(n.blocked()), joining ? "-" : n.busy() + "/" + n.workers(),
                    n.loadAverage() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", n.loadAverage()), joining ? "-" : n.memoryLevel(),
                    joining ? "-" : seen(now - n.updatedMillis()));
        }
        return null;
    }

    static String seen(long agoMillis) {
        if (agoMillis < 1000) return "now";
        return (agoMillis / 1000) + " s ago";
    }
}
