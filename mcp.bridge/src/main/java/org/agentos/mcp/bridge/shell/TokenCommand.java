package org.agentos.mcp.bridge.shell;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.console.CommandException;
import org.agentos.kernel.api.security.CapabilityCeilings;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.mcp.bridge.token.McpTokens;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mcp", name = "token", description = "Bearer tokens MCP clients log in with, each mapped to an owner and "
        + "capabilities: create (prints the token once), list, revoke.",
        detailedDescription = "mcp:token create -o alice -c 'fs:*:/home/alice/**' -c 'tool:text.stats' desktop\n"
                + "    prints a token for a client that acts as alice with those capabilities (none: pure tools only);\n"
                + "    clients send it as 'Authorization: Bearer <token>' to http://localhost:8181/mcp\n"
                + "mcp:token list             the tokens: name, owner, capabilities, when made (never the token)\n"
                + "mcp:token revoke desktop   the token's next request gets 401; its sessions end\n"
                + "Tokens are kept in etc/ as SHA-256 hashes. A user without the admin role grants no more than "
                + "etc/org.agentos.console.cfg lets them, for themselves only.")
public class TokenCommand implements Action {
    @Reference
    McpTokens tokens;

    @Reference(optional = true)
    CapabilityCeilings ceilings;

    // One argument list, read here: Karaf stops reading options at the first argument, and the
    // action comes first (mcp:token create -o alice -c ... name), as the subcommands of other tools do.
    @Argument(index = 0, name = "action", required = true, multiValued = true,
            description = "create [-o owner] [-c capability]... <name> | list | revoke <name>")
    @Completion(TokenCompleter.class)
    List<String> words;

    String name;
    String owner;
    List<String> caps = new ArrayList<>();

    @Override
    public Object execute() {
        String action = words.get(0);
        parse(words.subList(1, words.size()), action);
        try {
            switch (action) {
                case "create" -> create();
                case "list" -> list();
                case "revoke" -> {
                    if (name == null) throw CommandException.of(Errno.EINVAL, "name the token to revoke (mcp:token list shows them)");
                    tokens.revoke(name);
                    System.out.println("revoked token '" + name + "'");
                }
                default -> throw CommandException.of(Errno.EINVAL, "'" + action + "' is not create, list or revoke");
            }
            return null;
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
    }

    private void parse(List<String> rest, String action) {
        for (int i = 0; i < rest.size(); i++) {
            String w = rest.get(i);
            boolean opt = w.equals("-o") || w.equals("--owner") || w.equals("-c") || w.equals("--cap");
            if (opt && !action.equals("create")) throw CommandException.of(Errno.EINVAL, w + " goes with create only");
            if (opt && i + 1 >= rest.size()) throw CommandException.of(Errno.EINVAL, w + " needs a value");
            if (w.equals("-o") || w.equals("--owner")) owner = rest.get(++i);
            else if (w.equals("-c") || w.equals("--cap")) caps.add(rest.get(++i));
            else if (w.startsWith("-")) throw CommandException.of(Errno.EINVAL, "unknown option " + w + " (create takes -o and -c)");
            else if (name == null) name = w;
            else throw CommandException.of(Errno.EINVAL, "one token name only ('" + name + "', then '" + w + "')");
        }
    }

    private void create() throws SyscallException {
        if (name == null) throw CommandException.of(Errno.EINVAL, "name the token (e.g. the client it is for)");
        ConsoleOperator user = ConsoleOperator.current();
        String who = owner == null ? user.name() : owner;
        if (!user.sees(who)) throw CommandException.of(Errno.EPERM, "only administrators make tokens for other owners than themselves");
        List<String> granted = new ArrayList<>();
        for (String c : caps) for (String part : c.split(",")) if (!part.isBlank()) granted.add(part.strip());
        if (!user.isAdmin()) {
            if (ceilings == null) throw CommandException.of(Errno.EPERM, "no capability ceilings are known: only administrators make tokens");
            ceilings.check(user, granted);
        }
        String token = tokens.create(name, who, granted);
        System.out.println("token '" + name + "' acts as " + who + " with " + (granted.isEmpty() ? "no capabilities (pure tools only)"
                : String.join(", ", granted)) + ":");
        System.out.println(token);
        System.out.println("It is not shown again. Clients send it as 'Authorization: Bearer <token>'.");
    }

    private void list() {
        List<McpTokens.Grant> all = tokens.list();
        if (all.isEmpty()) {
            System.out.println("no tokens (mcp:token create makes one)");
            return;
        }
        System.out.printf("%-24s %-16s %-25s %s%n", "NAME", "OWNER", "CREATED", "CAPABILITIES");
        for (McpTokens.Grant g : all) {
            System.out.printf("%-24s %-16s %-25s %s%n", g.name(), g.owner(), g.created(),
                    g.capabilities().isEmpty() ? "(none)" : String.join(", ", g.capabilities()));
        }
    }
}
