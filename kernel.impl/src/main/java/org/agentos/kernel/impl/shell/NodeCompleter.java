package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.TreeSet;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the cluster's node names and {@code auto} (nothing outside a cluster). */
@Service
public class NodeCompleter implements Completer {
    @Reference(optional = true)
    Cluster cluster;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> names = new TreeSet<>();
        if (cluster != null) {
            names.add(Cluster.AUTO);
            for (NodeStatus n : cluster.nodes()) names.add(n.name());
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
