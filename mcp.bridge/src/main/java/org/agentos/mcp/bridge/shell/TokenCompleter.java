package org.agentos.mcp.bridge.shell;

import java.util.List;
import org.agentos.mcp.bridge.token.McpTokens;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes mcp:token: the action first, then (for revoke) the tokens' names, (for create) its options. */
@Service
public class TokenCompleter implements Completer {
    @Reference
    McpTokens tokens;

    @Override
    public int complete(Session session, CommandLine line, List<String> candidates) {
        String[] args = line.getArguments();
        int word = line.getCursorArgumentIndex() - 1; // the command itself is word 0
        StringsCompleter c = new StringsCompleter();
        if (word <= 0) {
            c.getStrings().addAll(List.of("create", "list", "revoke"));
        } else if ("revoke".equals(args[1])) {
            tokens.list().forEach(g -> c.getStrings().add(g.name()));
        } else if ("create".equals(args[1])) {
            c.getStrings().addAll(List.of("-o", "-c"));
        }
        return c.complete(session, line, candidates);
    }
}
