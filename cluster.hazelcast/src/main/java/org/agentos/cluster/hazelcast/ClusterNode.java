package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.ClusterListing;
import org.agentos.kernel.api.cluster.KeptImage;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.cluster.QueueMirror;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.cluster.RemoteCalls;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
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
 * {@code ipc.subscribe}. The rest it wires and hands on: what operators ask ({@link OperatorCalls}),
 * processes' calls to other nodes ({@link ProcessCalls}), requests served here
 * ({@link RemoteRequests}), agents' images and takeovers ({@link Replicas}), durable queues'
 * copies ({@link QueueCopies}).
 */
@RequiresPermission(KernelPermission.KERNEL_ADMIN)
@Component(service = {Cluster.class, RemoteCalls.class, QueueMirror.class}, configurationPid = ClusterNode.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ClusterNode.Settings.class)
public class ClusterNode implements Cluster, RemoteCalls, QueueMirror {
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

        @AttributeDefinition(description = "Seconds between two rounds of images of this node's agents kept in the cluster, "
                + "from which the others restart them if this node is lost (0: none kept, none restarted)")
        int replicateSeconds() default 10;
    }

    private final ObjectMapper json = new ObjectMapper();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile KernelMetrics kernel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ProcessManager processes;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuditLog audit;

    /** This node's queues, which other nodes' processes call. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile MessageQueues queues;

    /** Karaf's shell, where another node's agent:spawn runs as its operator. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SessionFactory sessions;

    /** Where this node's number becomes the kernel's pid floor. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigurationAdmin configAdmin;

    /** Processes one drain moves at most (run it again for more), and how many at once. */
    static final int DRAIN_MOST = 100_000;
    static final int DRAIN_PARALLEL = 4;

    private NodeSettings settings;
    private RemoteRequests served;
    private NodeRequests requests;
    private Moves moves;
    private ProcessCalls processCalls;
    private Replicas replicas;
    private QueueCopies queueCopies;
    private OperatorCalls operators;
    private int replicateSeconds;
    private ServiceRegistration<EventHandler> exits;
    private BundleContext context;
    private ScheduledExecutorService executor;
    private volatile HazelcastInstance member;
    private volatile String state = "starting";
    private volatile int number;

    @Activate
    void activate(Settings config, BundleContext context) {
        this.context = context;
        try {
            settings = NodeSettings.of(config);
            if (config.replicateSeconds() < 0) throw new IllegalArgumentException("replicateSeconds " + config.replicateSeconds() + " is negative");
            replicateSeconds = config.replicateSeconds();
            MoveInbox inbox = MoveInbox.ofThisNode();
            requests = new NodeRequests(() -> member, () -> "node " + localNode() + " is not in a cluster: its member is " + state);
            moves = new Moves(settings.name(), inbox, () -> processes, () -> sessions, requests);
            served = new RemoteRequests(settings.name(), () -> processes, () -> audit, () -> sessions, inbox, () -> moves, this,
                    () -> queues);
            processCalls = new ProcessCalls(settings.name(), () -> member);
            queueCopies = new QueueCopies(settings.name(), () -> member, () -> queues, () -> audit);
            replicas = new Replicas(settings.name(), () -> member, () -> processes, () -> sessions, () -> audit, this::nodes, inbox, moves);
            operators = new OperatorCalls(settings.name(), settings.clusterName(), () -> member, () -> number, () -> processes, requests, moves,
                    replicas);
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
        if (context != null) {
            // an agent that ended is not to be restarted elsewhere: its image goes at once
            Dictionary<String, Object> topics = new Hashtable<>();
            topics.put(EventConstants.EVENT_TOPIC, PROCESS_EXITED);
            exits = context.registerService(EventHandler.class, e -> {
                if (e.getProperty("pid") instanceof Long pid && member != null) executor.execute(() -> replicas.ended(pid));
            }, topics);
        }
    }

    /** The kernel's event for a process that ended. */
    static final String PROCESS_EXITED = "org/agentos/process/EXITED";

    @Deactivate
    void deactivate() {
        if (exits != null) {
            try {
                exits.unregister();
            } catch (IllegalStateException gone) {
                // unregistered with the bundle
            }
        }
        if (executor != null) {
            executor.shutdownNow();
            try { // a round of images under way ends before this node's images are withdrawn
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        HazelcastInstance m = member;
        member = null;
        if (m != null) {
            RemoteRequests.withdraw(m.getName());
            // a node that stops in order restores its own agents when it starts again: nobody takes them over
            replicas.withdraw(m);
            queueCopies.withdraw(m);
            try {
                m.getMap(MemberConfig.NODES_MAP).remove(settings.name());
            } catch (RuntimeException e) {
                LOG.debug("could not withdraw this node's status", e);
            }
            m.shutdown(); // a graceful leave: the others hear NODE_LEFT at once
        }
        if (context != null && !frameworkStopping()) {
            // the bundle itself stops (feature:uninstall, a stop): the kernel must not hold its processes at its next start
            try {
                holdAtRestart(false);
            } catch (IOException | RuntimeException e) {
                LOG.warn("the kernel still holds its processes at its next start (recoverHeld in etc/{}.cfg): {}", KERNEL_PID, e.toString());
            }
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
            configureKernel((long) number * NodeNumbers.PIDS_PER_NODE);
            RemoteRequests.serve(m.getName(), served);
            member = m;
            state = "running";
            LOG.info("cluster node {} joined cluster {} at {} with {} member(s)", settings.name(), settings.clusterName(),
                    m.getCluster().getLocalMember().getAddress(), m.getCluster().getMembers().size());
            publish();
            executor.scheduleWithFixedDelay(this::publish, settings.publishSeconds(), settings.publishSeconds(), TimeUnit.SECONDS);
            settle();
            if (replicateSeconds > 0) {
                executor.scheduleWithFixedDelay(this::replicate, replicateSeconds, replicateSeconds, TimeUnit.SECONDS);
            }
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

    private void replicate() {
        try {
            replicas.replicate();
            HazelcastInstance m = member;
            if (m != null) queueCopies.sweep(m);
        } catch (RuntimeException e) {
            LOG.warn("cluster node {}: a round of images failed: {}", settings.name(), e.toString());
        }
    }

    /**
     * Makes the kernel give pids in this node's range from now on (and from its next start, before
     * any process is spawned): {@code pidFloor} in its configuration, which it applies live; and,
     * when this node keeps images in the cluster, hold what its next restart restores until the
     * cluster says whether it was taken over meanwhile ({@code recoverHeld}).
     */
    private void configureKernel(long floor) throws IOException {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            LOG.warn("cluster node {}: no ConfigurationAdmin, so the kernel's pids are not in this node's range {}", settings.name(), floor);
            return;
        }
        Configuration c = ca.getConfiguration(KERNEL_PID, "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        Object current = props.get("pidFloor");
        boolean hold = replicateSeconds > 0;
        if (current != null && Long.parseLong(current.toString()) >= floor && String.valueOf(hold).equals(String.valueOf(props.get("recoverHeld")))) {
            return;
        }
        if (current == null || Long.parseLong(current.toString()) < floor) props.put("pidFloor", floor);
        props.put("recoverHeld", hold);
        c.update(props);
        LOG.info("cluster node {} is node number {}: its pids start at {}", settings.name(), floor / NodeNumbers.PIDS_PER_NODE, floor);
    }

    private boolean frameworkStopping() {
        try {
            return context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException gone) {
            return true;
        }
    }

    private void holdAtRestart(boolean hold) throws IOException {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) return;
        Configuration c = ca.getConfiguration(KERNEL_PID, "?");
        Dictionary<String, Object> props = c.getProperties();
        if (props == null || String.valueOf(hold).equals(String.valueOf(props.get("recoverHeld")))) return;
        props.put("recoverHeld", hold);
        c.update(props);
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
    /**
     * What a (re)joined node decides once its kernel is bound: the processes its restart held go on
     * or end, its durable queues are kept or dropped. Every round, as the kernel may bind after the
     * join, and restarts in place (a changed setting) hold its processes again.
     */
    private void settle() {
        try {
            for (String line : replicas.releaseHeld()) LOG.info("cluster node {}: {}", settings.name(), line);
            if (!queuesSettled) {
                List<String> said = new ArrayList<>();
                queuesSettled = queueCopies.joined(said);
                for (String line : said) LOG.info("cluster node {}: {}", settings.name(), line);
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster node {}: {}", settings.name(), e.toString());
        }
    }

    private volatile boolean queuesSettled;

    void publish() {
        HazelcastInstance m = member;
        if (m == null) return;
        settle();
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
        return operators == null ? List.of() : operators.nodes();
    }

    @Override
    public Optional<String> nodeOf(long pid) throws SyscallException {
        return operators == null ? Optional.empty() : operators.nodeOf(pid);
    }

    @Override
    public List<ClusterListing> list(ProcessQuery query, ConsoleOperator operator) throws SyscallException {
        return operators().list(query, operator);
    }

    @Override
    public ProcessInfo info(long pid, ConsoleOperator operator) throws SyscallException {
        return operators().info(pid, operator);
    }

    @Override
    public void signal(long pid, Signal signal, ConsoleOperator operator) throws SyscallException {
        operators().signal(pid, signal, operator);
    }

    @Override
    public String place(String node) throws SyscallException {
        return operators().place(node);
    }

    @Override
    public String spawn(String node, SpawnOrder order, ConsoleOperator operator) throws SyscallException {
        return operators().spawn(node, order, operator);
    }

    @Override
    public String move(long pid, String node, ConsoleOperator operator) throws SyscallException {
        return operators().move(pid, node, operator);
    }

    @Override
    public List<String> drain(String node, ConsoleOperator operator) throws SyscallException {
        return operators().drain(node, operator);
    }

    @Override
    public Optional<String> relocated(long pid) {
        return operators == null ? Optional.empty() : operators.relocated(pid);
    }

    @Override
    public List<KeptImage> images(ConsoleOperator operator) throws SyscallException {
        return operators().images(operator);
    }

    private OperatorCalls operators() throws SyscallException {
        if (operators == null) throw new SyscallException(Errno.EIO, "node " + localNode() + " is not in a cluster: its member is " + state);
        return operators;
    }

    // ------------------------------------------------------------------ QueueMirror: durable queues kept in the cluster

    @Override
    public void created(QueueSpec spec, String owner) {
        if (queueCopies != null) queueCopies.created(spec, owner);
    }

    @Override
    public void deleted(String queue) {
        if (queueCopies != null) queueCopies.deleted(queue);
    }

    @Override
    public CompletionStage<Void> sent(String queue, List<Message> messages) {
        return queueCopies == null ? CompletableFuture.completedFuture(null) : queueCopies.sent(queue, messages);
    }

    @Override
    public void done(String queue, List<Long> ids) {
        if (queueCopies != null) queueCopies.done(queue, ids);
    }

    @Override
    public Optional<String> holderOf(String queue) throws SyscallException {
        ProcessCalls q = processCalls;
        return q == null ? Optional.empty() : q.holderOf(queue);
    }

    @Override
    public CompletionStage<SyscallResult> call(String node, String call, JsonNode args, RemoteCaller caller) {
        ProcessCalls q = processCalls;
        if (q == null) return CompletableFuture.completedFuture(SyscallResult.error(Errno.EIO, "node " + localNode() + " is not in a cluster: " + state));
        return q.call(node, call, args, caller);
    }

    @Override
    public void forget(String queue) {
        ProcessCalls q = processCalls;
        if (q != null) q.forget(queue);
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** Members coming and going, as events for agents and the log. */
    private final class Membership implements MembershipListener {
        @Override
        public void memberAdded(MembershipEvent e) {
            if (e.getMember().localMember()) return; // this node joining is not news to its own agents
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
            if (node != null && processCalls != null) processCalls.forgetNode(node);
            if (node != null && replicateSeconds > 0) {
                try {
                    executor.execute(() -> {
                        replicas.nodeLeft(node);
                        HazelcastInstance running = member;
                        if (running != null) queueCopies.sweep(running);
                    });
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // this node is leaving too
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
