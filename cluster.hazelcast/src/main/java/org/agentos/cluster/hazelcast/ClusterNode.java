package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This installation as a node of a cluster: it runs a Hazelcast member (started off the
 * activating thread, so Karaf's start does not wait for the join), publishes its load every few
 * seconds into a map the other nodes read (partitioned, with a backup), and posts {@link Cluster#NODE_JOINED} and
 * {@link Cluster#NODE_LEFT} as members come and go, which agents hear through
 * {@code ipc.subscribe}.
 */
@Component(service = Cluster.class, configurationPid = ClusterNode.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ClusterNode.Settings.class)
public class ClusterNode implements Cluster {
    static final String PID = "org.agentos.cluster";
    static final String KERNEL_PID = "org.agentos.kernel";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    @ObjectClassDefinition(name = "Agent OS cluster node", description = "How this installation joins a cluster of installations (Hazelcast)")
    public @interface Settings {
        @AttributeDefinition(description = "This node's name, unique in the cluster; empty: the host's name and the port")
        String node_name() default "";

        @AttributeDefinition(description = "Installations join only a cluster of the same name")
        String cluster_name() default "agentos";

        @AttributeDefinition(description = "The address the member binds to; loopback unless the network is private (docs/cluster.md)")
        String bind() default "127.0.0.1";

        @AttributeDefinition(description = "The member's TCP port")
        int port() default 5701;

        @AttributeDefinition(description = "The members to join, host[:port], comma-separated (TCP-IP; multicast is off)")
        String members() default "127.0.0.1:5701";

        @AttributeDefinition(description = "Seconds without a heartbeat before a member is taken for dead")
        int failureDetectionSeconds() default 15;

        @AttributeDefinition(description = "Seconds between two publications of this node's load")
        int publishSeconds() default 2;
    }

    private final ObjectMapper json = new ObjectMapper();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile KernelMetrics kernel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin events;

    /** Where this node's number becomes the kernel's pid floor. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigurationAdmin configAdmin;

    private NodeSettings settings;
    private ScheduledExecutorService executor;
    private volatile HazelcastInstance member;
    private volatile String state = "starting";
    private volatile int number;

    @Activate
    void activate(Settings config) {
        try {
            settings = NodeSettings.of(config);
        } catch (IllegalArgumentException e) {
            state = "failed: " + e.getMessage() + " (etc/" + PID + ".cfg)";
            LOG.error("cluster node not started: {} (etc/{}.cfg)", e.getMessage(), PID);
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agentos-cluster");
            t.setDaemon(true);
            return t;
        });
        executor.execute(this::startMember);
    }

    @Deactivate
    void deactivate() {
        if (executor != null) executor.shutdownNow();
        HazelcastInstance m = member;
        member = null;
        if (m != null) {
            try {
                m.getMap(MemberConfig.NODES_MAP).remove(settings.name());
            } catch (RuntimeException e) {
                LOG.debug("could not withdraw this node's status", e);
            }
            m.shutdown(); // a graceful leave: the others hear NODE_LEFT at once
        }
        state = "stopped";
    }

    private void startMember() {
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        try {
            // Hazelcast finds its own services through the context class loader
            self.setContextClassLoader(HazelcastInstance.class.getClassLoader());
            Config config = MemberConfig.of(settings, ClusterNode.class.getClassLoader());
            // from the member's first moment: a node that joins while this one claims its number is heard too
            config.addListenerConfig(new ListenerConfig(new Membership()));
            HazelcastInstance m = Hazelcast.newHazelcastInstance(config);
            String clash = nameTakenBy(m);
            if (clash != null) {
                m.shutdown();
                state = "failed: node name '" + settings.name() + "' is taken by the member at " + clash + " (node.name in etc/" + PID + ".cfg)";
                LOG.error("cluster node not started: {}", state);
                return;
            }
            number = NodeNumbers.claim(m, settings.name(), numberFile());
            raisePidFloor((long) number * NodeNumbers.PIDS_PER_NODE);
            member = m;
            state = "running";
            LOG.info("cluster node {} joined cluster {} at {} with {} member(s)", settings.name(), settings.clusterName(),
                    m.getCluster().getLocalMember().getAddress(), m.getCluster().getMembers().size());
            publish();
            executor.scheduleWithFixedDelay(this::publish, settings.publishSeconds(), settings.publishSeconds(), TimeUnit.SECONDS);
        } catch (IOException | RuntimeException e) {
            state = "failed: " + e.getMessage();
            LOG.error("cluster node {} could not start its member on {}:{}: {}", settings.name(), settings.bindInterface(), settings.port(), e.toString());
        } finally {
            self.setContextClassLoader(before);
        }
    }

    /** Where this node keeps its number across restarts (null outside Karaf). */
    private static Path numberFile() {
        String data = System.getProperty("karaf.data");
        return data == null ? null : Path.of(data, "agentos", "cluster", "node-number");
    }

    /**
     * Makes the kernel give pids in this node's range from now on (and from its next start, before
     * any process is spawned): {@code pidFloor} in its configuration, which it applies live.
     */
    private void raisePidFloor(long floor) throws IOException {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            LOG.warn("cluster node {}: no ConfigurationAdmin, so the kernel's pids are not in this node's range {}", settings.name(), floor);
            return;
        }
        Configuration c = ca.getConfiguration(KERNEL_PID, "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        Object current = props.get("pidFloor");
        if (current != null && Long.parseLong(current.toString()) >= floor) return;
        props.put("pidFloor", floor);
        c.update(props);
        LOG.info("cluster node {} is node number {}: its pids start at {}", settings.name(), floor / NodeNumbers.PIDS_PER_NODE, floor);
    }

    /** The address of another member with this node's name, or null. */
    private String nameTakenBy(HazelcastInstance m) {
        for (Member other : m.getCluster().getMembers()) {
            if (!other.localMember() && settings.name().equals(other.getAttribute(MemberConfig.NODE_ATTRIBUTE))) {
                return other.getAddress().toString();
            }
        }
        return null;
    }

    /** This node's load into the map, for the others' cluster:nodes and placement. */
    void publish() {
        HazelcastInstance m = member;
        if (m == null) return;
        try {
            IMap<String, String> nodes = m.getMap(MemberConfig.NODES_MAP);
            nodes.set(settings.name(), json.writeValueAsString(NodeLoad.of(settings.name(), number, address(m.getCluster().getLocalMember()), kernel,
                    System.currentTimeMillis())));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster node {} could not publish its status: {}", settings.name(), e.toString());
        }
    }

    @Override
    public String localNode() {
        return settings == null ? null : settings.name();
    }

    @Override
    public String name() {
        return settings == null ? null : settings.clusterName();
    }

    @Override
    public String state() {
        return state;
    }

    @Override
    public List<NodeStatus> nodes() {
        HazelcastInstance m = member;
        if (m == null) return List.of();
        IMap<String, String> published = m.getMap(MemberConfig.NODES_MAP);
        Map<String, String> all = Map.copyOf(published);
        List<NodeStatus> out = new ArrayList<>();
        for (Member member : m.getCluster().getMembers()) {
            String name = member.getAttribute(MemberConfig.NODE_ATTRIBUTE);
            String status = name == null ? null : all.get(name);
            NodeStatus s = null;
            if (status != null) {
                try {
                    s = json.readValue(status, NodeStatus.class);
                } catch (IOException e) {
                    LOG.warn("node {} published a status this node cannot read: {}", name, e.getMessage());
                }
            }
            if (s == null) {
                s = new NodeStatus(name == null ? member.getUuid().toString() : name, 0, address(member), member.localMember(),
                        NodeStatus.JOINING, 0, 0, 0, 0, 0, -1, "", 0);
            } else {
                s = new NodeStatus(s.name(), s.number(), s.address(), member.localMember(), s.state(), s.processes(), s.runnable(), s.blocked(),
                        s.workers(), s.busy(), s.loadAverage(), s.memoryLevel(), s.updatedMillis());
            }
            out.add(s);
        }
        out.sort(Comparator.comparing(NodeStatus::name));
        return out;
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** Members coming and going, as events for agents and the log. */
    private final class Membership implements MembershipListener {
        @Override
        public void memberAdded(MembershipEvent e) {
            String node = e.getMember().getAttribute(MemberConfig.NODE_ATTRIBUTE);
            LOG.info("cluster: node {} joined ({})", node, address(e.getMember()));
            post(NODE_JOINED, node, e.getMember());
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
            String node = e.getMember().getAttribute(MemberConfig.NODE_ATTRIBUTE);
            LOG.info("cluster: node {} left ({})", node, address(e.getMember()));
            HazelcastInstance m = member;
            if (m != null && node != null) {
                // its last status must not outlive it: any survivor may remove it, the first one does
                try {
                    executor.execute(() -> {
                        try {
                            m.getMap(MemberConfig.NODES_MAP).remove(node);
                        } catch (RuntimeException ex) {
                            LOG.debug("could not remove the status of node {}", node, ex);
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // this node is leaving too: nothing to tidy
                }
            }
            post(NODE_LEFT, node, e.getMember());
        }

        private void post(String topic, String node, Member m) {
            EventAdmin ea = events;
            if (ea == null) return;
            ea.postEvent(new Event(topic, Map.of("node", node == null ? m.getUuid().toString() : node, "address", address(m))));
        }
    }
}
