package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.impl.KernelDebugger;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "fork", description = "Time travel: starts a new process from the state a process had at "
        + "a step (rebuilt by replaying its journal), with its owner, capabilities and quotas.",
        detailedDescription = "agent:fork --at 12 42 makes step 12's call again in the new process; --result '{...}' gives "
                + "it that result instead (what if the tool had answered this?), --result '{\"errno\":\"EIO\",\"message\":"
                + "\"...\"}' fails it. The new process's memory starts empty.")
public class ForkCommand implements Action {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Option(name = "--at", required = true, description = "the step whose state the new process starts from (steps count from 1)")
    long at;

    @Option(name = "--result", description = "the result of that step's call, as JSON, instead of making it")
    String result;

    @Option(name = "--timeout", description = "give up rebuilding the state by replay after this many seconds (default 300)")
    long timeout = 300;

    @Argument(index = 0, name = "pid", required = true, description = "the process to fork (in the table, live or ended)")
    @Completion(PidCompleter.class)
    long pid;

    @Override
    public Object execute() throws Exception {
        ConsoleUser.current().requireOwnerOf(processes, pid);
        JsonNode given = null;
        if (result != null) {
            try {
                given = JSON.readTree(result);
            } catch (JsonProcessingException e) {
                throw ConsoleErrors.of("EINVAL", "--result is not JSON: " + e.getOriginalMessage());
            }
            if (given == null) throw ConsoleErrors.of("EINVAL", "--result is empty");
        }
        if (timeout < 1) throw ConsoleErrors.of("EINVAL", "--timeout must be at least 1 second");
        JsonNode result = given;
        long child = Bounded.call("the fork of pid " + pid + " at step " + at, timeout, () -> debugger.forkAt(pid, at, result));
        System.out.println("forked pid " + child + " from pid " + pid + " at step " + at + (given == null ? "" : ", given " + given));
        return null;
    }
}
