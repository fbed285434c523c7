package org.agentos.kernel.api.cluster;

import java.util.List;

/**
 * The cluster this installation is a node of. Nodes joining and leaving are also posted as events
 * ({@link #NODE_JOINED}, {@link #NODE_LEFT}, properties {@code node} and {@code address}) that
 * agents hear through {@code ipc.subscribe}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Cluster {
    String NODE_JOINED = "org/agentos/cluster/NODE_JOINED";
    String NODE_LEFT = "org/agentos/cluster/NODE_LEFT";

    /** This node's name. */
    String localNode();

    /** The cluster's name: installations join only a cluster of the same name. */
    String name();

    /**
     * Every member now, this one included, ordered by name; empty while this node's member is
     * starting or when it could not start ({@link #state()} says why).
     */
    List<NodeStatus> nodes();

    /** This node's member: {@code starting}, {@code running}, or {@code failed: <why>}. */
    String state();
}
