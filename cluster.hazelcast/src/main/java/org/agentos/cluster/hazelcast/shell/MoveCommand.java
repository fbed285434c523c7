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
@Command(scope = "agent", name = "move", description = "Moves a process to another node of the cluster.",
        detailedDescription = "Its node cuts it at a quiet step boundary and keeps it paused (agent:checkpoint --keep-paused), the "
                + "image goes through the cluster, the other node restores it (agent:restore) and it goes on there; only then "
                + "does the original end (agent:kill). If a step fails, the original goes on where it was. It gets a pid of its "
                + "new node. Administrators' (checkpoint, restore and kill are).")
public class MoveCommand implements Action {
    @Reference
    Cluster cluster;

    @Argument(index = 0, name = "pid", required = true, description = "the process, on any node")
    long pid;

    @Argument(index = 1, name = "node", required = true, description = "the node to move it to, or auto (the least loaded other one)")
    @Completion(NodeNames.class)
    String node;

    @Override
    public Object execute() throws Exception {
        try {
            System.out.println(cluster.move(pid, node, ConsoleOperator.current()));
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
        return null;
    }
}
