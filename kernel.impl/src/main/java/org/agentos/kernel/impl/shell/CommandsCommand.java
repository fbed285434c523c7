package org.agentos.kernel.impl.shell;

import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;

/**
 * The console's command list as a plain table. Karaf's {@code help} prints nothing over an ssh
 * exec channel (4.4.10: its help providers find nothing in a headless session), so
 * {@code bin/agentos-console help [scope]} runs this instead; it reads the same registry the
 * shell resolves commands from.
 */
@Service
@Command(scope = "kernel", name = "commands", description = "Lists console commands and what they do (help that works over ssh exec).",
        detailedDescription = "kernel:commands agent lists the agent: commands; bin/agentos-console help agent runs it.")
public class CommandsCommand implements Action {
    @Reference
    Session session;

    @Completion(ScopeCompleter.class)
    @Argument(index = 0, name = "scope", description = "only this scope's commands (agent, kernel, ...) or names starting with this")
    String prefix;

    @Override
    public Object execute() {
        Map<String, String> commands = new TreeMap<>();
        for (org.apache.karaf.shell.api.console.Command c : session.getRegistry().getCommands()) {
            String name = "*".equals(c.getScope()) ? c.getName() : c.getScope() + ":" + c.getName();
            if (prefix == null || c.getScope().equals(prefix) || name.startsWith(prefix)) {
                commands.putIfAbsent(name, c.getDescription());
            }
        }
        if (commands.isEmpty()) throw ConsoleErrors.of("ENOENT", "no command or scope '" + prefix + "'");
        TextTable t = new TextTable("COMMAND", "DESCRIPTION");
        commands.forEach(t::row);
        t.print(System.out);
        return null;
    }
}
