package org.agentos.cluster.hazelcast.shell;

import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "cluster", name = "drain", description = "Moves every live process off a node (before maintenance), each to the "
        + "least loaded other node, one at a time.",
        detailedDescription = "The node itself moves each process as agent:move does; one that cannot be moved stays where it is and "
                + "is named. At most 100,000 a time. "
                + "Administrators'.")
public class DrainCommand implements Action {
    @Reference
    Cluster cluster;

    @Argument(index = 0, name = "node", required = true, description = "the node to empty")
    @Completion(NodeNames.class)
    String node;

    @Override
    public Object execute() throws Exception {
        try {
            for (String line : cluster.drain(node, ConsoleOperator.current())) System.out.println(line);
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
        return null;
    }
}
