package org.agentos.mcp.bridge.shell;

import java.util.List;
import org.agentos.mcp.bridge.client.RemoteServer;
import org.agentos.mcp.bridge.client.RemoteServers;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mcp", name = "list", description = "The MCP servers added with mcp:add: name, state, endpoint, tools.")
public class ListCommand implements Action {
    @Reference
    RemoteServers servers;

    @Option(name = "-t", aliases = "--tools", description = "list each server's tools too")
    boolean tools;

    @Override
    public Object execute() {
        List<RemoteServer> all = servers.list();
        if (all.isEmpty()) {
            System.out.println("no MCP servers (mcp:add connects one)");
            return null;
        }
        System.out.printf("%-16s %-6s %-40s %s%n", "NAME", "TOOLS", "URL", "STATE");
        for (RemoteServer s : all) {
            System.out.printf("%-16s %-6d %-40s %s%n", s.name(), s.tools().size(), s.url(), s.state());
            if (tools) for (String t : s.tools()) System.out.println("    " + t);
        }
        return null;
    }
}
