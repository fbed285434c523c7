package org.agentos.mcp.bridge.shell;

import java.util.List;
import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.mcp.bridge.client.RemoteServer;
import org.agentos.mcp.bridge.client.RemoteServers;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mcp", name = "add", description = "Connects an MCP server: its tools become syscalls mcp.<name>.<tool> that agents call "
        + "like any other (capability tool:mcp.<name>.<tool>).",
        detailedDescription = "mcp:add everything http://localhost:3001/mcp\n"
                + "mcp:add files /usr/bin/mcp-server-filesystem /work     (over stdio, in the HAL sandbox, in "
                + "${karaf.data}/agentos/mcp/files, seen there as /work)\n"
                + "mcp:add --token s3cret --timeout 60 search https://search.example.org/mcp\n"
                + "The server is kept in etc/org.agentos.mcp.server-<name>.cfg and connected again after a restart; while it "
                + "is away its tools fail with EIO and the bridge keeps trying. mcp:list shows its state and tools.")
public class AddCommand implements Action {
    @Reference
    RemoteServers servers;

    @Option(name = "--token", description = "a bearer token the server wants")
    String token;

    @Option(name = "--timeout", description = "seconds a call may take (default 30), then ETIMEDOUT")
    int timeout = 30;

    @Argument(index = 0, name = "name", required = true, description = "a short lower-case name (its tools: mcp.<name>.<tool>)")
    String name;

    @Argument(index = 1, name = "url | command", required = true, multiValued = true,
            description = "the server's streamable HTTP endpoint, or the command that starts it over stdio")
    List<String> target;

    @Override
    public Object execute() throws InterruptedException {
        try {
            servers.add(name, target, token, timeout);
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
        // the connection is made in the background: say how it went, if it goes within a few seconds
        RemoteServer s = servers.awaitFirstAttempt(name, 10_000).orElse(null);
        if (s == null) {
            System.out.println("added MCP server '" + name + "' at " + String.join(" ", target) + "; still connecting (mcp:list)");
        } else if (s.state().equals("connected")) {
            System.out.println("added MCP server '" + name + "' at " + String.join(" ", target) + ": " + s.tools().size() + " tools");
            for (String t : s.tools()) System.out.println("  " + t);
        } else {
            System.out.println("added MCP server '" + name + "' at " + String.join(" ", target) + ", " + s.state() + " (it keeps trying)");
        }
        return null;
    }
}
