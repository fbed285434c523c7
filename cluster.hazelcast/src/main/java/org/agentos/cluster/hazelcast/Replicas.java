package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Losing a node without losing its agents. Each node cuts an image of each of its agents that
 * stepped since its last one, every {@code replicateSeconds}, into a cluster map with a backup
 * on another member ({@code agent:checkpoint}: the agent is held only for the cut). When a node
 * leaves, the oldest member restarts its agents' last images on the least loaded nodes
 * ({@code agent:restore}, as a move restores) and notes each pid as taken over. A node that
 * comes back restored its own agents held ({@link Cluster#HELD_AT_RESTART}): once it has joined
 * it ends those taken over and lets the others go on. Which of the two runs an agent is decided
 * by one atomic claim on its pid, so it never runs on both.
 */
final class Replicas {
    private static final Logger LOG = LoggerFactory.getLogger(Replicas.class);
    /** Images of agents, by node/pid (a backup on another member). */
    static final String MAP = "agentos.replicas";
    /** Pids taken over (value: "node/newpid") or kept by their node as it came back ("kept:node"). */
    static final String TAKEN_MAP = "agentos.taken";
    /** The system operator replication and takeover act as: an administrator, named so in the audit. */
    static final ConsoleOperator SYSTEM = new ConsoleOperator("cluster", Set.of(ConsoleOperator.ADMIN_ROLE));
    /** An image larger than this is not replicated (logged): the map holds every image in memory. */
    static final long MOST_BYTES = 64L << 20;
    /**
     * Images one round cuts at most, the agents whose image is oldest first: a round of a node
     * with thousands of busy agents stays bounded, and each agent's image is at most a few
     * rounds old.
     */
    static final int MOST_PER_ROUND = 100;
    /** How long a node's claim to keep a held pid stands against a takeover still under way. */
    static final long KEPT_SECONDS = 120;
    /** How long the note that a pid was taken over stays, for its node's return. */
    static final long TAKEN_DAYS = 7;

    private final String here;
    private final Supplier<HazelcastInstance> member;
    private final Supplier<ProcessManager> processes;
    private final Supplier<SessionFactory> sessions;
    private final Supplier<AuditLog> audit;
    private final Supplier<List<NodeStatus>> nodes;
    private final MoveInbox inbox;
    private final Moves moves;
    /** Steps each agent had at its last image: one that has not stepped since is not cut again. */
    private final Map<Long, Long> stepsAtImage = new ConcurrentHashMap<>();
    /** When each agent's last image was cut (ms): the oldest go first. */
    private final Map<Long, Long> imagedAt = new ConcurrentHashMap<>();
    private volatile long lastTakeoverMillis = -1;

    Replicas(String here, Supplier<HazelcastInstance> member, Supplier<ProcessManager> processes, Supplier<SessionFactory> sessions,
             Supplier<AuditLog> audit, Supplier<List<NodeStatus>> nodes, MoveInbox inbox, Moves moves) {
        this.here = here;
        this.member = member;
        this.processes = processes;
        this.sessions = sessions;
        this.audit = audit;
        this.nodes = nodes;
        this.inbox = inbox;
        this.moves = moves;
    }

    // ------------------------------------------------------------------ replication

    /** One round: an image of each agent that stepped since its last one; images of agents that ended go. */
    void replicate() {
        HazelcastInstance m = member.get();
        ProcessManager pm = processes.get();
        if (m == null || pm == null) return;
        IMap<String, Replica> map = m.getMap(MAP);
        Set<Long> live = new HashSet<>();
        List<ProcessInfo> due = new ArrayList<>();
        for (ProcessInfo p : pm.list(new ProcessQuery(null, null, null, false, ClusterNode.DRAIN_MOST)).processes()) {
            if (p.ppid() == 0 || p.state().isTerminal() || Cluster.HELD_AT_RESTART.equals(p.waitingOn())) continue;
            live.add(p.pid());
            Long before = stepsAtImage.get(p.pid());
            if (before == null || before != p.usage().steps()) due.add(p);
        }
        due.sort(java.util.Comparator.comparingLong(p -> imagedAt.getOrDefault(p.pid(), 0L)));
        for (ProcessInfo p : due.subList(0, Math.min(MOST_PER_ROUND, due.size()))) {
            try {
                Replica r = cut(p);
                if (r == null) continue;
                map.set(Replica.key(here, p.pid()), r);
                stepsAtImage.put(p.pid(), p.usage().steps());
                imagedAt.put(p.pid(), r.cutMillis());
            } catch (SyscallException e) {
                LOG.debug("no image of pid {} this round: {}", p.pid(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("the image of pid {} could not be kept in the cluster: {}", p.pid(), e.toString());
            }
        }
        stepsAtImage.keySet().retainAll(live);
        imagedAt.keySet().retainAll(live);
        for (String key : map.keySet()) {
            if (key.startsWith(here + "/") && !live.contains(pidOf(key))) map.delete(key);
        }
        sweep(m);
    }

    /** This node leaves in order: its images go, so that nobody restarts its agents (it does, when it starts again). */
    void withdraw(HazelcastInstance m) {
        try {
            IMap<String, Replica> map = m.getMap(MAP);
            for (String key : map.keySet()) {
                if (key.startsWith(here + "/")) map.delete(key);
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster node {} left its images in the cluster: {}", here, e.toString());
        }
    }

    /** Its image is no longer wanted: the agent ended. */
    void ended(long pid) {
        HazelcastInstance m = member.get();
        stepsAtImage.remove(pid);
        imagedAt.remove(pid);
        if (m != null) m.getMap(MAP).delete(Replica.key(here, pid));
    }

    private Replica cut(ProcessInfo p) throws SyscallException {
        String id = UUID.randomUUID().toString();
        Path dir = inbox.dir(id);
        try {
            long started = System.currentTimeMillis();
            ConsoleOnNode.run(sessions.get(), SYSTEM, new ConsoleOnNode.Line("agent:checkpoint -o $agentos_0 " + p.pid(),
                    Map.of("agentos_0", dir.toString())));
            LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
            long bytes = 0;
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                    bytes += Files.size(f);
                    if (bytes > MOST_BYTES) {
                        LOG.warn("pid {} has an image over {} MiB: not kept in the cluster (it is not restarted if node {} is lost)",
                                p.pid(), MOST_BYTES >> 20, here);
                        return null;
                    }
                    files.put(dir.relativize(f).toString(), Files.readAllBytes(f));
                }
            }
            return new Replica(here, p.pid(), p.owner(), p.program(), p.usage().steps(), started, files);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read the image of pid " + p.pid() + ": " + e.getMessage());
        } finally {
            inbox.delete(id);
        }
    }

    // ------------------------------------------------------------------ takeover

    /** A node left: the oldest member restarts its agents (later sweeps catch what this one missed). */
    void nodeLeft(String node) {
        HazelcastInstance m = member.get();
        if (m != null) sweep(m);
    }

    /**
     * On the oldest member only: the images of agents whose node is not in the cluster, each
     * restarted on the least loaded node and noted as taken over.
     */
    synchronized void sweep(HazelcastInstance m) {
        if (!MemberConfig.oldest(m)) return;
        Set<String> present = MemberConfig.nodeNames(m);
        IMap<String, Replica> map = m.getMap(MAP);
        for (String key : map.keySet()) {
            String node = key.substring(0, key.lastIndexOf('/'));
            if (present.contains(node)) continue;
            Replica r = map.get(key);
            if (r == null) continue;
            takeOver(m, key, r);
        }
    }

    private void takeOver(HazelcastInstance m, String key, Replica r) {
        IMap<Long, String> taken = m.getMap(TAKEN_MAP);
        String claim = "taking:" + here;
        String before = taken.putIfAbsent(r.pid(), claim, TAKEN_DAYS, TimeUnit.DAYS);
        if (before != null) { // its node came back and kept it, or it was taken over already
            m.getMap(MAP).delete(key);
            return;
        }
        long t0 = System.currentTimeMillis();
        try {
            String target = Placement.leastLoaded(nodes.get()).map(NodeStatus::name)
                    .orElseThrow(() -> new SyscallException(Errno.EAGAIN, "no node is up to restart it on"));
            long copy = restore(r, target);
            taken.set(r.pid(), target + "/" + copy, TAKEN_DAYS, TimeUnit.DAYS);
            m.getMap(MAP).delete(key);
            lastTakeoverMillis = System.currentTimeMillis() - t0;
            String said = "pid " + r.pid() + " (" + r.program() + ", " + r.owner() + ") of node " + r.node() + " restarted on node "
                    + target + " as pid " + copy + " from its image of " + java.time.Instant.ofEpochMilli(r.cutMillis()) + " ("
                    + r.steps() + " steps)";
            LOG.info("cluster: {}", said);
            record("cluster.takeover", "ok", said);
        } catch (SyscallException | RuntimeException e) {
            taken.remove(r.pid(), claim); // the next sweep tries again
            String why = e instanceof SyscallException se ? se.errno() + ": " + se.getMessage() : e.toString();
            LOG.warn("cluster: pid {} of node {} not restarted yet: {}", r.pid(), r.node(), why);
            record("cluster.takeover", "failed", "pid " + r.pid() + " of node " + r.node() + ": " + why);
        }
    }

    /** The image restored on {@code target} (this node or another, whose inbox gets its files first); the new pid. */
    private long restore(Replica r, String target) throws SyscallException {
        String id = UUID.randomUUID().toString();
        Path dir = inbox.dir(id);
        try {
            for (Map.Entry<String, byte[]> f : r.files().entrySet()) {
                inbox.put(id, f.getKey(), 0, f.getValue());
            }
            if (!target.equals(here)) {
                moves.send(dir, id, target, SYSTEM);
                return moves.restoreThere(id, target, SYSTEM);
            }
            return Moves.restoredPid(here, ConsoleOnNode.run(sessions.get(), SYSTEM, new ConsoleOnNode.Line("agent:restore $agentos_0",
                    Map.of("agentos_0", dir.toString()))));
        } finally {
            inbox.delete(id);
        }
    }

    // ------------------------------------------------------------------ coming back

    /**
     * This node joined (again): each agent its restart held is ended if another node took it
     * over meanwhile, and goes on otherwise.
     */
    List<String> releaseHeld() {
        HazelcastInstance m = member.get();
        ProcessManager pm = processes.get();
        List<String> said = new ArrayList<>();
        if (m == null || pm == null) return said;
        IMap<Long, String> taken = m.getMap(TAKEN_MAP);
        for (ProcessInfo p : pm.list(new ProcessQuery(null, null, ProcessState.PAUSED, false, ClusterNode.DRAIN_MOST)).processes()) {
            if (!Cluster.HELD_AT_RESTART.equals(p.waitingOn())) continue;
            String before = taken.putIfAbsent(p.pid(), "kept:" + here, KEPT_SECONDS, TimeUnit.SECONDS);
            try {
                if (before == null || before.equals("kept:" + here)) {
                    pm.resume(p.pid());
                    said.add("pid " + p.pid() + " goes on");
                } else {
                    pm.kill(p.pid());
                    String line = "pid " + p.pid() + " (" + p.program() + ", " + p.owner() + ") ended here: node " + before.replace("/",
                            " runs it as pid ").replace("taking:", "") + " (taken over while this node was away)";
                    said.add(line);
                    LOG.info("cluster: {}", line);
                    record("cluster.fenced", "ok", line);
                }
            } catch (SyscallException e) {
                LOG.warn("cluster: held pid {}: {}", p.pid(), e.getMessage());
            }
        }
        return said;
    }

    long lastTakeoverMillis() {
        return lastTakeoverMillis;
    }

    /** The images kept in the cluster, for cluster:images. */
    List<Replica> all() {
        HazelcastInstance m = member.get();
        if (m == null) return List.of();
        List<Replica> out = new ArrayList<>(m.<String, Replica>getMap(MAP).values());
        out.sort(java.util.Comparator.comparing(Replica::node).thenComparingLong(Replica::pid));
        return out;
    }

    private void record(String name, String outcome, String detail) {
        AuditLog log = audit.get();
        if (log != null) log.record(name, outcome, SYSTEM.name(), detail);
    }

    private static long pidOf(String key) {
        try {
            return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
