package org.agentos.cluster.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;

/**
 * The Hazelcast member a node runs, from its settings: TCP-IP join with the listed members only
 * (no multicast, no cloud discovery), bound to the configured interface, failure detection as
 * configured, nothing phoned home. Hazelcast's open source edition has no member authentication
 * or TLS: whoever reaches the port can join (docs/cluster.md, docs/security.md).
 */
final class MemberConfig {
    /** The map of the nodes' published status, keyed by node name. */
    static final String NODES_MAP = "agentos.nodes";
    /** The executor other nodes' requests run on (a few threads: each request is one kernel call). */
    static final String REQUESTS_EXECUTOR = "agentos.requests";
    /** The executor other nodes' processes' calls run on (queues, spawns): each is short and never waits. */
    static final String CALLS_EXECUTOR = "agentos.calls";
    /** The member attribute that carries the node's name. */
    static final String NODE_ATTRIBUTE = "agentos.node";

    private MemberConfig() {}

    /** The member of node {@code node}, or null when it is not in the cluster. */
    static com.hazelcast.cluster.Member memberNamed(com.hazelcast.core.HazelcastInstance m, String node) {
        for (com.hazelcast.cluster.Member other : m.getCluster().getMembers()) {
            if (node.equals(other.getAttribute(NODE_ATTRIBUTE))) return other;
        }
        return null;
    }

    /** The names of the nodes in the cluster now. */
    static java.util.Set<String> nodeNames(com.hazelcast.core.HazelcastInstance m) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (com.hazelcast.cluster.Member x : m.getCluster().getMembers()) names.add(String.valueOf(x.getAttribute(NODE_ATTRIBUTE)));
        return names;
    }

    /** Whether this member is the oldest, which takes over what lost nodes leave (its list comes first on every member). */
    static boolean oldest(com.hazelcast.core.HazelcastInstance m) {
        var members = m.getCluster().getMembers();
        return !members.isEmpty() && members.iterator().next().localMember();
    }

    static Config of(NodeSettings s, ClassLoader classLoader) {
        Config c = new Config();
        c.setClusterName(s.clusterName());
        c.setInstanceName("agentos-" + s.name() + "-" + s.port()); // unique in a JVM, as tests run two
        c.setClassLoader(classLoader);
        c.setProperty("hazelcast.logging.type", "jdk"); // Karaf's log takes java.util.logging
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false"); // the bundle ends it, in order
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "1");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(s.failureDetectionSeconds()));
        c.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, s.name());
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(s.port()).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface(s.bindInterface());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(s.members());
        // a node's status outlives it by a few rounds at most: the survivors also remove it when it leaves
        c.addMapConfig(new MapConfig(NODES_MAP).setBackupCount(1).setTimeToLiveSeconds(s.failureDetectionSeconds() + 5 * s.publishSeconds()));
        c.getExecutorConfig(REQUESTS_EXECUTOR).setPoolSize(4).setQueueCapacity(1000);
        c.getExecutorConfig(CALLS_EXECUTOR).setPoolSize(4).setQueueCapacity(100_000);
        return c;
    }
}
