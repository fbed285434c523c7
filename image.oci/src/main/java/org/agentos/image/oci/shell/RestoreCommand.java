package org.agentos.image.oci.shell;

import java.util.List;
import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.security.ConsoleOperator;
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
@Command(scope = "agent", name = "restore", description = "Starts an agent from an OCI image written by agent:checkpoint "
        + "(here or on another installation): a new pid that goes on where the image was cut.",
        detailedDescription = "Example: agent:restore --tag v1 /var/images/ledger\n"
                + "Every blob's digest is checked first. The restorer grants the capabilities: the image's own unless -c "
                + "names others, and never more than the restorer may grant (etc/org.agentos.console.cfg for users "
                + "without the admin role). Workspace files are written back as new versions where they differ.")
public class RestoreCommand implements Action {
    @Reference
    AgentImageStore images;

    @Argument(index = 0, name = "dir", required = true, description = "image layout directory")
    @Completion(FileCompleter.class)
    String dir;

    @Option(name = "-t", aliases = "--tag", description = "the image's tag (default: the only one in the layout)")
    String tag;

    @Option(name = "-o", aliases = "--owner", description = "owner of the restored agent (default: the image's; "
            + "only administrators name another than themselves)")
    String owner;

    @Option(name = "-c", aliases = "--cap", multiValued = true, description = "capability to grant instead of the image's (repeatable)")
    List<String> caps;

    @Option(name = "--paused", description = "start it paused (agent:resume lets it go on)")
    boolean paused;

    @Override
    public Object execute() {
        ConsoleOperator user = ConsoleOperator.current();
        try {
            List<AgentImageStore.Restored> all = images.restoreAll(Console.directory(dir), tag,
                    RestoreSpec.byOperator(user, owner, caps, paused));
            for (AgentImageStore.Restored r : all) {
                System.out.println("restored pid " + r.origin() + " of " + Console.directory(dir) + (tag == null ? "" : ":" + tag)
                        + " as pid " + r.pid() + " (" + r.program() + ", owner " + r.owner() + ")" + (paused ? ", paused" : ""));
                System.out.println("  files: " + r.filesWritten() + " written, " + r.filesUnchanged() + " unchanged"
                        + (r.sharedMade().isEmpty() ? "" : "; shared memory made: " + String.join(", ", r.sharedMade()))
                        + (r.heldPutBack() == 0 ? "" : "; unacked messages in flight to it again: " + r.heldPutBack()));
            }
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        }
    }
}
