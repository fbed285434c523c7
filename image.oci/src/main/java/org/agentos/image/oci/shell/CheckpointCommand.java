package org.agentos.image.oci.shell;

import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
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
@Command(scope = "agent", name = "checkpoint", description = "Writes a running agent as an OCI image (state, pending call, "
        + "journal, memory, workspace files, mailbox); it goes on after a step boundary.",
        detailedDescription = "Example: agent:checkpoint -o /var/images/ledger --tag v1 42\n"
                + "The directory becomes (or gains a tag in) an OCI image layout that skopeo and umoci read: "
                + "skopeo inspect oci:/var/images/ledger:v1. --keep-paused leaves the agent paused, to move it: "
                + "agent:restore it elsewhere, then agent:kill it here. docs/images.md describes the image.")
public class CheckpointCommand implements Action {
    @Reference
    AgentImageStore images;

    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "pid", required = true, description = "the process to checkpoint")
    @Completion(PidCompleter.class)
    long pid;

    @Option(name = "-o", aliases = "--output", required = true, description = "image layout directory (created if need be)")
    @Completion(FileCompleter.class)
    String output;

    @Option(name = "-t", aliases = "--tag", description = "the image's tag in the layout (default: latest)")
    String tag = "latest";

    @Option(name = "--keep-paused", description = "leave the agent paused after the cut (to move it)")
    boolean keepPaused;

    @Option(name = "--timeout", description = "milliseconds to wait for a quiet step boundary (default 30000)")
    long timeoutMillis = 30_000;

    @Override
    public Object execute() {
        if (timeoutMillis < 0 || timeoutMillis > 3_600_000) throw Console.error(Errno.EINVAL, "--timeout must be 0..3600000 ms");
        ConsoleOperator user = ConsoleOperator.current();
        Console.requireOwner(processes, user, pid);
        try {
            AgentImageStore.Written w = images.checkpoint(pid, Console.directory(output), tag,
                    new CutOptions(timeoutMillis, keepPaused), user.name());
            System.out.println("checkpointed pid " + w.pid() + " (" + w.program() + ") as " + Console.directory(output) + ":" + w.tag()
                    + " " + w.manifest().digest());
            System.out.println("  memory: " + w.memoryEntries() + " entries, " + Console.size(w.memoryBytes()) + "; files: " + w.files()
                    + "; mailbox: " + w.mailboxMessages() + " messages; journal: " + w.journalRecords() + " records"
                    + (keepPaused ? "; the agent stays paused" : ""));
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
