package org.agentos.image.oci.shell;

import java.util.ArrayList;
import java.util.List;
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
@Command(scope = "agent", name = "checkpoint", description = "Writes running agents as an OCI image (state, pending call, "
        + "journal, memory, workspace files, mailbox); they go on after a step boundary.",
        detailedDescription = "Example: agent:checkpoint -o /var/images/ledger --tag v1 42\n"
                + "Several pids, or --tree (a process and its descendants), are cut together at one moment, with the "
                + "named queues they may use: a message between them is in the image once.\n"
                + "The directory becomes (or gains a tag in) an OCI image layout that skopeo and umoci read: "
                + "skopeo inspect oci:/var/images/ledger:v1. --keep-paused leaves the agent paused, to move it: "
                + "agent:restore it elsewhere, then agent:kill it here. docs/images.md describes the image.")
public class CheckpointCommand implements Action {
    @Reference
    AgentImageStore images;

    @Reference
    ProcessManager processes;

    @Argument(index = 0, name = "pids", required = true, multiValued = true, description = "the processes to checkpoint")
    @Completion(PidCompleter.class)
    List<Long> pids;

    @Option(name = "--tree", description = "the processes and all their descendants, as one group")
    boolean tree;

    @Option(name = "-o", aliases = "--output", required = true, description = "image layout directory (created if need be)")
    @Completion(FileCompleter.class)
    String output;

    @Option(name = "-t", aliases = "--tag", description = "the image's tag in the layout (default: latest)")
    String tag = "latest";

    @Option(name = "--keep-paused", description = "leave the agent paused after the cut (to move it)")
    boolean keepPaused;

    @Option(name = "--with-shared", description = "copy the shared memory segments the agent uses (its capabilities name "
            + "them) into the image; without, the image names them only")
    boolean withShared;

    @Option(name = "--timeout", description = "milliseconds to wait for a quiet step boundary (default 30000)")
    long timeoutMillis = 30_000;

    @Override
    public Object execute() {
        if (timeoutMillis < 0 || timeoutMillis > 3_600_000) throw Console.error(Errno.EINVAL, "--timeout must be 0..3600000 ms");
        ConsoleOperator user = ConsoleOperator.current();
        List<Long> group = new ArrayList<>();
        for (long pid : pids) {
            Console.requireOwner(processes, user, pid);
            if (tree) addTree(pid, group);
            else if (!group.contains(pid)) group.add(pid);
        }
        for (long pid : group) Console.requireOwner(processes, user, pid);
        CutOptions options = new CutOptions(timeoutMillis, keepPaused, withShared);
        try {
            List<AgentImageStore.Written> written = group.size() == 1
                    ? List.of(images.checkpoint(group.get(0), Console.directory(output), tag, options, user.name()))
                    : images.checkpointGroup(group, Console.directory(output), tag, options, user.name());
            AgentImageStore.Written first = written.get(0);
            System.out.println("checkpointed " + (written.size() == 1 ? "pid " + first.pid() + " (" + first.program() + ")"
                    : written.size() + " agents together") + " as " + Console.directory(output) + ":" + first.tag() + " "
                    + first.manifest().digest());
            for (AgentImageStore.Written w : written) {
                System.out.println("  " + (written.size() == 1 ? "" : "pid " + w.pid() + " (" + w.program() + ") ") + "memory: "
                        + w.memoryEntries() + " entries, " + Console.size(w.memoryBytes()) + "; files: " + w.files() + "; mailbox: "
                        + w.mailboxMessages() + " messages; journal: " + w.journalRecords() + " records");
            }
            if (!first.queues().isEmpty()) System.out.println("  queues: " + String.join(", ", first.queues()));
            for (AgentImageStore.Written w : written) {
                if (!w.shared().isEmpty()) System.out.println("  shared memory: " + String.join(", ", w.shared()));
            }
            if (keepPaused) System.out.println("  " + (written.size() == 1 ? "the agent stays" : "they stay") + " paused");
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }

    /** {@code pid} and its descendants, parents first. */
    private void addTree(long pid, List<Long> into) {
        if (into.contains(pid) || into.size() > 10_000) return;
        into.add(pid);
        processes.info(pid).ifPresent(i -> {
            for (long child : i.children()) addTree(child, into);
        });
    }
}
