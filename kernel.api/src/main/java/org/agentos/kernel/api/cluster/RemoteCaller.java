package org.agentos.kernel.api.cluster;

import java.util.List;

/**
 * Who makes a call that runs on another node: a process of the node {@code node}, with the
 * owner and the capabilities it holds there. The node that runs the call checks them itself
 * (the capability the call needs, whose the queue is); nodes of one cluster trust each other's
 * word on who asks (docs/security.md, "Cluster").
 *
 * @param pid          the caller's pid, unique in the cluster
 * @param owner        the owner its processes run as
 * @param node         the node it runs on
 * @param capabilities the capability patterns it holds
 */
public record RemoteCaller(long pid, String owner, String node, List<String> capabilities) {
    public RemoteCaller {
        capabilities = List.copyOf(capabilities);
    }
}
