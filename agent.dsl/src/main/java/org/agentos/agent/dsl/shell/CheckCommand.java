package org.agentos.agent.dsl.shell;

import java.util.List;
import org.agentos.agent.dsl.Problem;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.dsl.Workflows;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Service
@Command(scope = "dsl", name = "check", description = "Compiles and checks a workflow without running it: types, "
        + "the tools it calls, the classes it uses, the capabilities it needs. Problems as file:line:column.")
public class CheckCommand implements Action {
    @Reference
    Workflows workflows;

    @Reference
    org.osgi.service.cm.ConfigurationAdmin config;

    @Reference(optional = true)
    org.agentos.kernel.api.fs.FileSystem fs;

    @Option(name = "-c", aliases = "--cap", multiValued = true,
            description = "capabilities it would be spawned with (default: the kernel's defaultCapabilities)")
    List<String> caps;

    @Argument(index = 0, name = "file", required = true, description = "the workflow's Java source: a path on the host, or vfs:/home/<owner>/... in the agents' filesystem")
    @Completion(FileCompleter.class)
    String file;

    @Override
    public Object execute() {
        String source = WorkflowFiles.read(file, fs, WorkflowFiles.user(), "dsl:check");
        WorkflowCheck c = workflows.check(WorkflowFiles.name(file), source, DefaultCaps.orDefault(caps, config));
        print(c);
        if (!c.ok()) throw CommandException.of("EINVAL", c.problems().size() + " problem(s): the workflow would not run");
        return null;
    }

    static void print(WorkflowCheck c) {
        for (Problem p : c.problems()) System.out.println(p);
        if (!c.ok()) return;
        System.out.println("ok: class " + c.className() + ", program " + c.program());
        System.out.println("tools: " + (c.tools().isEmpty() ? "(none)" : c.tools().toString()));
        System.out.println("needs: " + (c.needs().isEmpty() ? "(nothing fixed)" : String.join(" ", c.needs())));
        if (!c.checkedLate().isEmpty()) {
            System.out.println("checked at each call (arguments not literal): " + String.join(" ", c.checkedLate()));
        }
    }
}
