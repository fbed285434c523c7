package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "tool", name = "call", description = "Makes a system call through the full mediation path (schema, "
        + "capabilities, quotas, audit), as an existing process or as a fresh principal with given capabilities.",
        detailedDescription = "tool:call text.stats '{\"text\":\"hello world\"}'\n"
                + "    as a principal owned by you, holding no capabilities (enough for pure tools)\n"
                + "tool:call --caps 'tool:http.fetch:host=example.org' http.fetch '{\"url\":\"https://example.org/\"}'\n"
                + "    as a principal holding exactly these capabilities\n"
                + "tool:call --pid 42 fs.read '{\"path\":\"/home/alice/notes\"}'\n"
                + "    as process 42: its capabilities, quotas and accounting\n"
                + "The principal is a process of the kernel's 'principal' program; it is killed after the call.")
public class ToolCallCommand implements Action {
    @Reference
    SyscallGateway gateway;

    @Reference
    ProcessManager processes;

    @Option(name = "-p", aliases = "--pid", description = "make the call as this process")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "-c", aliases = "--caps", multiValued = true,
            description = "capabilities of the principal (comma-separated or repeated); none by default")
    List<String> caps;

    @Option(name = "-o", aliases = "--owner", description = "owner of the principal; default: your user name")
    String owner;

    @Argument(index = 0, name = "name", required = true, description = "the syscall, e.g. text.stats")
    @Completion(ToolCompleter.class)
    String name;

    @Argument(index = 1, name = "args", description = "the arguments as one JSON object; default {}")
    String args = "{}";

    @Override
    public Object execute() throws JsonProcessingException {
        JsonNode json;
        try {
            json = ToolDescribeCommand.JSON.readTree(args);
        } catch (JsonProcessingException e) {
            throw ConsoleErrors.of("EINVAL", "the arguments are not JSON: " + e.getOriginalMessage()
                    + " (quote them: '{\"key\":\"value\"}')");
        }
        if (json == null || !json.isObject()) throw ConsoleErrors.of("EINVAL", "the arguments must be a JSON object, e.g. '{}'");
        if (pid != 0 && (caps != null || owner != null)) {
            throw ConsoleErrors.of("EINVAL", "--pid makes the call as that process; --caps and --owner describe a new principal: use one or the other");
        }
        long caller = pid;
        boolean principal = caller == 0;
        if (principal) caller = spawnPrincipal();
        try {
            SyscallResult r = gateway.call(caller, name, json);
            if (!r.isOk()) throw ConsoleErrors.of(r.errno().name(), r.message());
            System.out.println(ToolDescribeCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r.value()));
        } finally {
            if (principal) endPrincipal(caller);
        }
        return null;
    }

    private long spawnPrincipal() {
        List<String> capabilities = new ArrayList<>();
        if (caps != null) {
            for (String c : caps) {
                for (String part : c.split(",")) {
                    if (!part.isBlank()) capabilities.add(part.strip());
                }
            }
        }
        String who = owner != null ? owner : ConsoleUser.current().name();
        try {
            return processes.spawn(new SpawnSpec("principal", null, who, 0, capabilities, null));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
    }

    private void endPrincipal(long principal) {
        try {
            ProcessInfo info = processes.info(principal).orElse(null);
            if (info != null && !info.state().isTerminal()) processes.kill(principal);
        } catch (SyscallException e) {
            // it ended by itself (a quota) meanwhile: nothing to clean up
        }
    }
}
