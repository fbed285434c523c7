package org.agentos.mcp.bridge.shell;

import java.util.List;
import org.agentos.mcp.bridge.client.RemoteServers;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the MCP servers added here. */
@Service
public class ServerCompleter implements Completer {
    @Reference
    RemoteServers servers;

    @Override
    public int complete(Session session, CommandLine line, List<String> candidates) {
        StringsCompleter c = new StringsCompleter();
        servers.list().forEach(s -> c.getStrings().add(s.name()));
        return c.complete(session, line, candidates);
    }
}
