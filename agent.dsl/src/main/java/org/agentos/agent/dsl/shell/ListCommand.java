package org.agentos.agent.dsl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.agent.dsl.Workflows;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "dsl", name = "list", description = "Workflows installed as programs: program, class, file, the tools they call.")
public class ListCommand implements Action {
    @Reference
    Workflows workflows;

    @Override
    public Object execute() {
        System.out.printf("%-28s %-24s %-24s %s%n", "PROGRAM", "CLASS", "FILE", "TOOLS");
        for (JsonNode w : workflows.list()) {
            System.out.printf("%-28s %-24s %-24s %s%n", w.path("program").asText(), w.path("class").asText(),
                    w.path("file").asText(), w.path("tools"));
        }
        return null;
    }
}
