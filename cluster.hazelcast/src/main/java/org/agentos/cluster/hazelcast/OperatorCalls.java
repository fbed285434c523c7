package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.ClusterListing;
import org.agentos.kernel.api.cluster.KeptImage;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator asks of the cluster through the {@link Cluster} service: its nodes and their
 * loads, any node's processes (listed, looked at, signalled on their node), placements, moves,
 * drains, kept images, where a moved pid went. Requests to other nodes carry the operator; the
 * node that executes one checks it there.
 */
final class OperatorCalls {
    private final String here;
    private final String clusterName;
    private final Supplier<HazelcastInstance> member;
    private final IntSupplier number;
    private final Supplier<ProcessManager> processes;
    private final NodeRequests requests;
    private final Moves moves;
    private final Replicas replicas;
    private static final Logger LOG = LoggerFactory.getLogger(OperatorCalls.class);
    private final ObjectMapper json = new ObjectMapper();

    OperatorCalls(String here, String clusterName, Supplier<HazelcastInstance> member, IntSupplier number,
                  Supplier<ProcessManager> processes, NodeRequests requests, Moves moves, Replicas replicas) {
        this.here = here;
        this.clusterName = clusterName;
        this.member = member;
        this.number = number;
        this.processes = processes;
        this.requests = requests;
        this.moves = moves;
        this.replicas = replicas;
    }

    List<NodeStatus> nodes() {
        HazelcastInstance m = member.get();
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
                s = new NodeStatus(name == null ? member.getUuid().toString() : name, 0, ClusterNode.address(member), member.localMember(),
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

    Optional<String> nodeOf(long pid) throws SyscallException {
        long n = NodeStatus.nodeNumberOf(pid);
        HazelcastInstance m = member.get();
        if (n == 0 || n == number.getAsInt() || m == null) return Optional.empty();
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

    List<ClusterListing> list(ProcessQuery query, ConsoleOperator operator) throws SyscallException {
        Map<String, Future<String>> asked = requests.submitToOthers(RemoteRequests.LIST, NodeRequests.toJson(query), operator);
        List<ClusterListing> out = new ArrayList<>();
        ProcessManager pm = processes.get();
        if (pm != null) out.add(new ClusterListing(here, RemoteRequests.list(pm, query, operator), null));
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

    ProcessInfo info(long pid, ConsoleOperator operator) throws SyscallException {
        JsonNode answer = ask(pid, RemoteRequests.INFO, RemoteRequests.JSON.createObjectNode().put("pid", pid).toString(), operator);
        try {
            return RemoteRequests.JSON.treeToValue(answer, ProcessInfo.class);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "an answer this node cannot read: " + e.getMessage());
        }
    }

    void signal(long pid, Cluster.Signal signal, ConsoleOperator operator) throws SyscallException {
        ask(pid, RemoteRequests.SIGNAL, RemoteRequests.JSON.createObjectNode().put("pid", pid).put("signal", signal.name())
                .put("from", here).toString(), operator);
    }

    String place(String node) throws SyscallException {
        List<NodeStatus> all = nodes();
        if (all.isEmpty()) requests.running();
        if (Cluster.AUTO.equals(node)) {
            return Placement.leastLoaded(all).map(NodeStatus::name)
                    .orElseThrow(() -> new SyscallException(Errno.EAGAIN, "no node has published its load yet; try again in a moment"));
        }
        for (NodeStatus s : all) {
            if (s.name().equals(node)) return s.name();
        }
        throw new SyscallException(Errno.ENOENT, "no node '" + node + "' in cluster " + clusterName + " (cluster:nodes lists them)");
    }

    String spawn(String node, SpawnOrder order, ConsoleOperator operator) throws SyscallException {
        return requests.ask(node, RemoteRequests.SPAWN, NodeRequests.toJson(order), null, operator).path("printed").asText();
    }

    String move(long pid, String node, ConsoleOperator operator) throws SyscallException {
        Optional<String> there = nodeOf(pid);
        if (there.isPresent()) { // its node moves it
            return ask(pid, RemoteRequests.MOVE, RemoteRequests.JSON.createObjectNode().put("pid", pid).put("node", node).toString(), operator)
                    .path("said").asText();
        }
        String target = Cluster.AUTO.equals(node) ? placeElsewhere() : place(node);
        return moves.move(pid, target, operator);
    }

    List<String> drain(String node, ConsoleOperator operator) throws SyscallException {
        String target = place(node);
        if (!target.equals(here)) {
            JsonNode said = requests.ask(target, RemoteRequests.DRAIN, "{}", null, operator);
            List<String> lines = new ArrayList<>();
            said.path("lines").forEach(l -> lines.add(l.asText()));
            return lines;
        }
        ProcessManager pm = processes.get();
        if (pm == null) throw new SyscallException(Errno.EIO, "node " + node + " has no kernel running");
        List<ProcessInfo> live = pm.list(new ProcessQuery(null, null, null, false, ClusterNode.DRAIN_MOST)).processes();
        // several moves at once: each waits mostly on its cut and on the network, not on this node's CPU
        java.util.concurrent.ExecutorService movers = Executors.newFixedThreadPool(ClusterNode.DRAIN_PARALLEL, r -> {
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

    Optional<String> relocated(long pid) {
        HazelcastInstance m = member.get();
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

    List<KeptImage> images(ConsoleOperator operator) throws SyscallException {
        requests.running();
        List<KeptImage> out = new ArrayList<>();
        for (Replica r : replicas.all()) {
            if (operator.sees(r.owner())) out.add(new KeptImage(r.node(), r.pid(), r.owner(), r.program(), r.steps(), r.cutMillis(), r.bytes()));
        }
        return out;
    }
}
