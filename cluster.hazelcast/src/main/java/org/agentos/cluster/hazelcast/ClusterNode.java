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
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.agentos.kernel.api.process.ProcessListing;
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
 * {@code ipc.subscribe}.
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
            replicas = new Replicas(settings.name(), () -> member, () -> processes, () -> sessions, () -> audit, this::nodes, inbox, moves,
                    requests);
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

    @Override
    public Optional<String> nodeOf(long pid) throws SyscallException {
        long n = NodeStatus.nodeNumberOf(pid);
        HazelcastInstance m = member;
        if (n == 0 || n == number || m == null) return Optional.empty();
        for (NodeStatus s : nodes()) {
            if (s.number() == n && !s.local()) return Optional.of(s.name());
        }
        Optional<String> now = relocated(pid);
        if (now.isPresent()) {
            throw new SyscallException(Errno.ESRCH, "pid " + pid + " is not in the cluster now: it runs on node " + now.get());
        }
        IMap<String, Integer> numbers = m.getMap(NodeNumbers.MAP);
        for (var e : numbers.entrySet()) {
            if (e.getValue() == n) {
                throw new SyscallException(Errno.EIO, "pid " + pid + " is of node " + e.getKey() + " (number " + n
                        + "), which is not in the cluster now");
            }
        }
        return Optional.empty();
    }

    @Override
    public List<ClusterListing> list(ProcessQuery query, ConsoleOperator operator) throws SyscallException {
        Map<String, Future<String>> asked = requests.submitToOthers(RemoteRequests.LIST, NodeRequests.toJson(query), operator);
        List<ClusterListing> out = new ArrayList<>();
        ProcessManager pm = processes;
        if (pm != null) out.add(new ClusterListing(settings.name(), RemoteRequests.list(pm, query, operator), null));
        for (var e : asked.entrySet()) {
            try {
                JsonNode answer = RemoteRequests.answer(NodeRequests.await(e.getValue(), e.getKey(), NodeRequests.REQUEST_SECONDS));
                out.add(new ClusterListing(e.getKey(), RemoteRequests.JSON.treeToValue(answer, ProcessListing.class), null));
            } catch (SyscallException ex) {
                if (ex.errno() == Errno.EPERM) throw ex;
                out.add(new ClusterListing(e.getKey(), null, ex.errno() + ": " + ex.getMessage()));
            } catch (IOException ex) {
                out.add(new ClusterListing(e.getKey(), null, "EIO: an answer this node cannot read: " + ex.getMessage()));
            }
        }
        out.sort(Comparator.comparing(ClusterListing::node));
        return out;
    }

    @Override
    public ProcessInfo info(long pid, ConsoleOperator operator) throws SyscallException {
        JsonNode answer = ask(pid, RemoteRequests.INFO, RemoteRequests.JSON.createObjectNode().put("pid", pid).toString(), operator);
        try {
            return RemoteRequests.JSON.treeToValue(answer, ProcessInfo.class);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "an answer this node cannot read: " + e.getMessage());
        }
    }

    @Override
    public void signal(long pid, Signal signal, ConsoleOperator operator) throws SyscallException {
        ask(pid, RemoteRequests.SIGNAL, RemoteRequests.JSON.createObjectNode().put("pid", pid).put("signal", signal.name())
                .put("from", settings.name()).toString(), operator);
    }

    @Override
    public String place(String node) throws SyscallException {
        List<NodeStatus> all = nodes();
        if (all.isEmpty()) requests.running();
        if (AUTO.equals(node)) {
            return Placement.leastLoaded(all).map(NodeStatus::name)
                    .orElseThrow(() -> new SyscallException(Errno.EAGAIN, "no node has published its load yet; try again in a moment"));
        }
        for (NodeStatus s : all) {
            if (s.name().equals(node)) return s.name();
        }
        throw new SyscallException(Errno.ENOENT, "no node '" + node + "' in cluster " + name() + " (cluster:nodes lists them)");
    }

    @Override
    public String spawn(String node, SpawnOrder order, ConsoleOperator operator) throws SyscallException {
        return requests.ask(node, RemoteRequests.SPAWN, NodeRequests.toJson(order), null, operator).path("printed").asText();
    }

    @Override
    public String move(long pid, String node, ConsoleOperator operator) throws SyscallException {
        Optional<String> there = nodeOf(pid);
        if (there.isPresent()) { // its node moves it
            return ask(pid, RemoteRequests.MOVE, RemoteRequests.JSON.createObjectNode().put("pid", pid).put("node", node).toString(), operator)
                    .path("said").asText();
        }
        String target = AUTO.equals(node) ? placeElsewhere() : place(node);
        return moves.move(pid, target, operator);
    }

    @Override
    public List<String> drain(String node, ConsoleOperator operator) throws SyscallException {
        String target = place(node);
        if (!target.equals(settings.name())) {
            JsonNode said = requests.ask(target, RemoteRequests.DRAIN, "{}", null, operator);
            List<String> lines = new ArrayList<>();
            said.path("lines").forEach(l -> lines.add(l.asText()));
            return lines;
        }
        ProcessManager pm = processes;
        if (pm == null) throw new SyscallException(Errno.EIO, "node " + node + " has no kernel running");
        List<ProcessInfo> live = pm.list(new ProcessQuery(null, null, null, false, DRAIN_MOST)).processes();
        // several moves at once: each waits mostly on its cut and on the network, not on this node's CPU
        java.util.concurrent.ExecutorService movers = Executors.newFixedThreadPool(DRAIN_PARALLEL, r -> {
            Thread t = new Thread(r, "agentos-drain");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (ProcessInfo p : live) {
                if (p.ppid() == 0) continue; // init
                outcomes.add(movers.submit(() -> {
                    try {
                        return moves.move(p.pid(), placeElsewhere(), operator);
                    } catch (SyscallException e) {
                        return "stayed: pid " + p.pid() + " (" + e.errno() + ": " + e.getMessage() + ")";
                    }
                }));
            }
            List<String> lines = new ArrayList<>();
            int stayed = 0;
            for (Future<String> f : outcomes) {
                String line;
                try {
                    line = f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    line = "stayed: " + e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SyscallException(Errno.EINTR, "interrupted while draining node " + node);
                }
                if (line.startsWith("stayed")) stayed++;
                lines.add(line);
            }
            lines.add("drained node " + node + ": " + (lines.size() - stayed) + " moved" + (stayed == 0 ? "" : ", " + stayed + " stayed"));
            return lines;
        } finally {
            movers.shutdownNow();
        }
    }

    /** The least loaded node but this one. */
    private String placeElsewhere() throws SyscallException {
        List<NodeStatus> others = nodes().stream().filter(n -> !n.local()).toList();
        return Placement.leastLoaded(others).map(NodeStatus::name)
                .orElseThrow(() -> new SyscallException(Errno.EAGAIN, "no other node is up to move to (cluster:nodes)"));
    }

    /** Asks the node whose range {@code pid} is in. */
    private JsonNode ask(long pid, String operation, String body, ConsoleOperator operator) throws SyscallException {
        requests.running();
        long n = NodeStatus.nodeNumberOf(pid);
        if (n == 0) throw new SyscallException(Errno.ESRCH, "no process " + pid + " here, and pid " + pid
                + " is in no node's range (it was given before its node joined a cluster: ask on its node)");
        String name = null;
        for (NodeStatus s : nodes()) {
            if (s.number() == n) name = s.name();
        }
        if (name == null) throw new SyscallException(Errno.EIO, "node number " + n + ", which gave pid " + pid + ", is not in the cluster");
        return requests.ask(name, operation, body, null, operator);
    }

    @Override
    public Optional<String> relocated(long pid) {
        HazelcastInstance m = member;
        if (m == null) return Optional.empty();
        try {
            String to = m.<Long, String>getMap(Moves.MOVED_MAP).get(pid);
            if (to == null) to = m.<Long, String>getMap(Replicas.TAKEN_MAP).get(pid);
            if (to == null || !to.contains("/") || to.startsWith("kept:") || to.startsWith("taking:")) return Optional.empty();
            return Optional.of(to.replace("/", " as pid "));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<KeptImage> images(ConsoleOperator operator) throws SyscallException {
        requests.running();
        List<KeptImage> out = new ArrayList<>();
        for (Replica r : replicas.all()) {
            if (operator.sees(r.owner())) out.add(new KeptImage(r.node(), r.pid(), r.owner(), r.program(), r.steps(), r.cutMillis(), r.bytes()));
        }
        return out;
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
