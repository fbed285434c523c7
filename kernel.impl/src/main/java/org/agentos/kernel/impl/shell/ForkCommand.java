package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.kernel.api.fs.WorkspaceTrees;
import org.agentos.kernel.api.image.AgentImages;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelDebugger;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "fork", description = "Copies a running agent (state, memory copy-on-write, mailbox), "
        + "or with --at starts a new process from the state it had at a step (time travel).",
        detailedDescription = "agent:fork 42 copies agent 42 as it is at its next quiet step boundary: a new process with "
                + "its owner, capabilities and quotas, a copy-on-write copy of its memory and a copy of its mailbox, made in "
                + "time independent of their size; both go on (--paused holds the copy). Its workspace (the trees under /home "
                + "its capabilities let it write) is its own, at the paths it always used: a layer in /home/<owner>/.forks/<pid> "
                + "over the files as they were, holding what it changes (and what changes under it); the layer stays when it ends.\n"
                + "agent:fork --at 12 42 rebuilds the state of step 12 by replaying its journal and makes step 12's call again "
                + "in the new process; --result '{...}' gives it that result instead (what if the tool had answered this?), "
                + "--result '{\"errno\":\"EIO\",\"message\":\"...\"}' fails it. A process forked at a step starts with "
                + "empty memory.")
public class ForkCommand implements Action {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Reference
    AgentImages images;

    @Option(name = "--at", description = "the step whose state the new process starts from (steps count from 1); "
            + "without it, the agent as it is now")
    Long at;

    @Option(name = "--paused", description = "start the copy paused (a whole-agent fork)")
    boolean paused;

    @Option(name = "--result", description = "the result of that step's call, as JSON, instead of making it")
    String result;

    @Option(name = "--timeout", description = "give up after this many seconds: rebuilding the state by replay (default "
            + "300), or waiting for a quiet step boundary (a whole-agent fork, default 30)")
    Long timeout;

    @Argument(index = 0, name = "pid", required = true, description = "the process to fork (in the table, live or ended)")
    @Completion(PidCompleter.class)
    long pid;

    @Override
    public Object execute() throws Exception {
        ConsoleUser.current().requireOwnerOf(processes, pid);
        if (timeout != null && (timeout < 1 || timeout > 3600)) throw ConsoleErrors.of("EINVAL", "--timeout must be 1..3600 seconds");
        if (at == null) {
            if (result != null) throw ConsoleErrors.of("EINVAL", "--result goes with --at: the step whose result it replaces");
            try {
                long copy = images.fork(pid, (timeout == null ? 30 : timeout) * 1000, paused);
                System.out.println("forked pid " + copy + " from pid " + pid + " (whole agent)" + (paused ? ", paused" : "")
                        + workspace(copy));
                return null;
            } catch (SyscallException e) {
                throw ConsoleErrors.of(e);
            }
        }
        if (paused) throw ConsoleErrors.of("EINVAL", "--paused is for a whole-agent fork (without --at)");
        JsonNode given = null;
        if (result != null) {
            try {
                given = JSON.readTree(result);
            } catch (JsonProcessingException e) {
                throw ConsoleErrors.of("EINVAL", "--result is not JSON: " + e.getOriginalMessage());
            }
            if (given == null) throw ConsoleErrors.of("EINVAL", "--result is empty");
        }
        JsonNode result = given;
        long step = at;
        long child = Bounded.call("the fork of pid " + pid + " at step " + at, timeout == null ? 300 : timeout,
                () -> debugger.forkAt(pid, step, result));
        System.out.println("forked pid " + child + " from pid " + pid + " at step " + at + (given == null ? "" : ", given " + given));
        return null;
    }

    /** Where the copy's own workspace is kept, when it has one. */
    private String workspace(long copy) {
        return processes.info(copy)
                .filter(p -> WorkspaceTrees.of(p.capabilities()).stream().anyMatch(t -> t.startsWith("/home/")))
                .map(p -> "; its workspace's layer: /home/" + p.owner() + "/.forks/" + copy)
                .orElse("");
    }
}
