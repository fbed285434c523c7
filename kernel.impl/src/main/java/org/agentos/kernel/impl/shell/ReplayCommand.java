package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.impl.KernelJournal;
import org.agentos.kernel.impl.syscall.Replay;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "replay", description = "Runs a process's program again (live or ended) against its call "
        + "journal, making no call: says 'N steps, identical', or where the program first asked for another call than "
        + "the recorded one. --program replays another installed program (a new version) against the same journal.")
public class ReplayCommand implements Action {
    @Reference
    ProcessManager processes;

    @Reference
    KernelJournal journal;

    @Argument(index = 0, name = "pid", required = true, description = "process id (live, or ended within journalRetentionHours)")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "--program", description = "replay this installed program instead of the process's own")
    @Completion(ProgramCompleter.class)
    String program;

    @Option(name = "--max-steps", description = "stop after this many steps (default 1,000,000)")
    long maxSteps = 1_000_000;

    @Option(name = "--timeout", description = "give up after this many seconds (default 300)")
    long timeout = 300;

    @Override
    public Object execute() throws Exception {
        if (maxSteps < 1) throw ConsoleErrors.of("EINVAL", "--max-steps must be at least 1");
        if (timeout < 1) throw ConsoleErrors.of("EINVAL", "--timeout must be at least 1 second");
        ConsoleUser.current().requireOwnerOf(processes, pid);
        Replay.Report r = Bounded.call("the replay of pid " + pid, timeout, () -> journal.replay(pid, program, maxSteps));
        String head = "pid " + pid + " replayed with " + r.program() + ": " + r.steps() + " steps, ";
        if (r.identical()) {
            System.out.println(head + "identical (" + r.calls() + " of " + r.journaled() + " journaled calls served); "
                    + r.outcome());
        } else if (r.divergence() != null) {
            System.out.println(head + "DIVERGED at " + r.divergence());
        } else {
            System.out.println(head + "not identical: " + r.outcome());
        }
        return null;
    }
}
