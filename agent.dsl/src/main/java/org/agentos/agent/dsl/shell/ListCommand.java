package org.agentos.agent.dsl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.agent.dsl.Workflows;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "dsl", name = "list", description = "Workflows installed as programs: program, live processes, class, "
        + "file, the tools they call (and the versions they were compiled against).")
public class ListCommand implements Action {
    @Reference
    Workflows workflows;

    @Reference
    ProcessManager processes;

    @Override
    public Object execute() {
        System.out.printf("%-28s %9s %-20s %-24s %s%n", "PROGRAM", "PROCESSES", "CLASS", "FILE", "TOOLS");
        for (JsonNode w : workflows.list()) {
            String program = w.path("program").asText();
            int live = processes.list(new ProcessQuery(null, program, null, false, 1)).matching();
            System.out.printf("%-28s %9d %-20s %-24s %s%n", program, live, w.path("class").asText(),
                    w.path("file").asText(), w.path("tools"));
        }
        return null;
    }
}
