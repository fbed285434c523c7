package org.agentos.agent.dsl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.dsl.Workflows;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Service
@Command(scope = "dsl", name = "run", description = "Compiles and checks a workflow, then spawns it (prints its pid). "
        + "Nothing starts when the check finds a problem.")
public class RunCommand implements Action {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    Workflows workflows;

    @Reference
    ProcessManager processes;

    @Reference
    org.osgi.service.cm.ConfigurationAdmin config;

    @Reference(optional = true)
    org.agentos.kernel.api.fs.FileSystem fs;

    @Option(name = "-c", aliases = "--cap", multiValued = true,
            description = "capabilities to spawn it with (default: the kernel's defaultCapabilities)")
    List<String> caps;

    @Option(name = "-o", aliases = "--owner", description = "the owner of the process (default root)")
    String owner;

    @Argument(index = 0, name = "file", required = true, description = "the workflow's Java source: a path on the host, or vfs:/home/<owner>/... in the agents' filesystem")
    @Completion(FileCompleter.class)
    String file;

    @Argument(index = 1, name = "args", description = "its input as a JSON object, e.g. '{\"n\":3}'")
    String args;

    @Override
    public Object execute() {
        JsonNode input;
        try {
            input = args == null ? JSON.createObjectNode() : JSON.readTree(args);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw CommandException.of("EINVAL", "args must be a JSON object: " + e.getOriginalMessage());
        }
        if (input == null || !input.isObject()) throw CommandException.of("EINVAL", "args must be a JSON object");
        List<String> granted = DefaultCaps.orDefault(caps, config);
        String source = WorkflowFiles.read(file, fs, WorkflowFiles.user(), "dsl:run");
        WorkflowCheck c = workflows.check(WorkflowFiles.name(file), source, granted);
        if (!c.ok()) {
            CheckCommand.print(c);
            throw CommandException.of("EINVAL", c.problems().size() + " problem(s): the workflow was not started");
        }
        try {
            workflows.install(WorkflowFiles.name(file), source, granted);
            long pid = processes.spawn(new SpawnSpec(c.program(), input, owner, 0, granted, null));
            System.out.println("spawned pid " + pid + " (workflow " + c.program() + ")");
            return null;
        } catch (SyscallException e) {
            throw CommandException.of(e);
        }
    }
}
