package org.agentos.mcp.bridge.shell;

import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.mcp.bridge.client.RemoteServers;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mcp", name = "remove", description = "Disconnects an MCP server: its tools leave the syscall table "
        + "(calls in flight end with ENOSYS) and its file in etc/ goes.")
public class RemoveCommand implements Action {
    @Reference
    RemoteServers servers;

    @Argument(index = 0, name = "name", required = true, description = "the server's name (mcp:list)")
    @Completion(ServerCompleter.class)
    String name;

    @Override
    public Object execute() {
        try {
            servers.remove(name);
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
        System.out.println("removed MCP server '" + name + "'");
        return null;
    }
}
