package org.agentos.cluster.hazelcast.shell;

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

/** Completes the nodes' names and auto. */
@Service
public class NodeNames implements Completer {
    @Reference
    Cluster cluster;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> names = new TreeSet<>();
        names.add(Cluster.AUTO);
        for (NodeStatus n : cluster.nodes()) names.add(n.name());
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
