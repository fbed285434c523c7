package org.agentos.cluster.hazelcast.shell;

import java.util.List;
import java.util.Locale;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.KeptImage;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "cluster", name = "images", description = "The agents' last images kept in the cluster (a backup on another member), "
        + "from which the others restart an agent if its node is lost: node, pid, owner, program, steps at the cut, its age, size. "
        + "Each node keeps one of each of its agents that stepped, every replicateSeconds (etc/org.agentos.cluster.cfg).")
public class ImagesCommand implements Action {
    @Reference
    Cluster cluster;

    @Override
    public Object execute() throws Exception {
        List<KeptImage> images = cluster.images(ConsoleOperator.current());
        long now = System.currentTimeMillis();
        System.out.printf("%d image(s) kept in cluster %s%n", images.size(), cluster.name());
        if (images.isEmpty()) return null;
        System.out.printf("%-16s %16s %-12s %-16s %10s %9s %10s%n", "NODE", "PID", "OWNER", "PROGRAM", "STEPS", "AGE", "BYTES");
        for (KeptImage i : images) {
            System.out.printf("%-16s %16d %-12s %-16s %10d %9s %,10d%n", i.node(), i.pid(), i.owner(), i.program(), i.steps(),
                    String.format(Locale.ROOT, "%d s", Math.max(0, now - i.cutMillis()) / 1000), i.bytes());
        }
        return null;
    }
}
