package org.agentos.kernel.impl.shell;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "wait", description = "Waits until a process ends and prints its exit status.")
public class WaitCommand implements Action {
    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "pid", required = true, description = "process id")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "-t", aliases = "--timeout", description = "give up after this many seconds (default 60)")
    long timeoutSeconds = 60;

    @Override
    public Object execute() throws Exception {
        if (timeoutSeconds <= 0) throw ConsoleErrors.of("EINVAL", "--timeout must be positive");
        ConsoleUser.current().requireOwnerOf(processes, pid);
        ExitStatus s;
        try {
            s = processes.awaitExit(pid).toCompletableFuture().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        } catch (TimeoutException e) {
            throw ConsoleErrors.of("ETIMEDOUT", "process " + pid + " still running after " + timeoutSeconds + " s");
        } catch (ExecutionException e) {
            throw ConsoleErrors.of("EIO", "waiting for " + pid + " failed: " + e.getCause());
        }
        System.out.println("pid " + pid + " " + s.state().name().toLowerCase() + ": code " + s.code() + " (" + s.reason() + ")");
        return null;
    }
}
