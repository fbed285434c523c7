package org.agentos.image.oci.shell;

import java.util.List;
import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Service
@Command(scope = "agent", name = "images", description = "Lists the agent images of an image layout: tag, programs, "
        + "the pids they were cut from, owners, when, size.",
        detailedDescription = "Example: agent:images /var/images/notebook\n"
                + "A group image lists each member. agent:restore --tag <tag> <dir> starts one.")
public class ImagesCommand implements Action {
    @Reference
    AgentImageStore images;

    @Argument(index = 0, name = "dir", required = true, description = "image layout directory")
    @Completion(FileCompleter.class)
    String dir;

    @Override
    public Object execute() {
        List<AgentImageStore.Listed> listed;
        try {
            listed = images.list(Console.directory(dir));
        } catch (SyscallException e) {
            throw Console.error(e);
        }
        System.out.println(String.format("%-24s %-6s %-28s %-16s %-12s %-24s %10s", "TAG", "KIND", "PROGRAMS", "FROM PIDS", "OWNERS",
                "CREATED", "SIZE"));
        for (AgentImageStore.Listed l : listed) {
            System.out.println(String.format("%-24s %-6s %-28s %-16s %-12s %-24s %10s", l.tag(),
                    l.programs().isEmpty() ? "other" : l.group() ? "group" : "agent",
                    cut(String.join(",", l.programs()), 28), cut(l.origins().toString().replaceAll("[\\[\\] ]", ""), 16),
                    cut(String.join(",", l.owners()), 12), l.created() == null ? "-" : l.created(), Console.size(l.bytes())));
        }
        return null;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 3) + "...";
    }
}
