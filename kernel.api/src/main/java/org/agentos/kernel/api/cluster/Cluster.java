package org.agentos.kernel.api.cluster;

import java.util.List;
import java.util.Optional;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The cluster this installation is a node of. Nodes joining and leaving are also posted as events
 * ({@link #NODE_JOINED}, {@link #NODE_LEFT}, properties {@code node} and {@code address}) that
 * agents hear through {@code ipc.subscribe}.
 *
 * <p>One process namespace: node n gives pids from n × {@link NodeStatus#PIDS_PER_NODE}, so a pid
 * names its node. A request about another node's process is executed by that node, which checks
 * the operator it carries as its own console would: an administrator acts on any process, anyone
 * else on their own. Hazelcast's open source edition does not authenticate members: the identity
 * is as trustworthy as the cluster's network (docs/cluster.md).
 */
@org.osgi.annotation.versioning.ProviderType
public interface Cluster {
    String NODE_JOINED = "org/agentos/cluster/NODE_JOINED";
    String NODE_LEFT = "org/agentos/cluster/NODE_LEFT";

    /**
     * What a process waits on when a restart restored it held, PAUSED, because its node is in a
     * cluster ({@code recoverHeld} in the kernel's configuration): while the node was away another
     * node may have restarted it from its image. The cluster node, once it has joined again, ends
     * the ones taken over and lets the others go on; without it, {@code agent:resume} does.
     */
    String HELD_AT_RESTART = "held at restart: its cluster says whether another node took it over";

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

    /** What a remote process is sent. */
    enum Signal { KILL, TERMINATE, PAUSE, RESUME }

    /**
     * The node that runs {@code pid} when it is another live node (by the pid's range), or empty:
     * this node's, a pid given before its node joined, or a range no node ever had. EIO when the
     * pid's node was in the cluster and is not now.
     */
    Optional<String> nodeOf(long pid) throws SyscallException;

    /**
     * Every node's page of processes matching {@code query}, each as {@code operator} may see them
     * (an administrator everyone's; anyone else their own: another owner named is EPERM), this
     * node's included, ordered by node name. A node that does not answer within seconds is listed
     * with its error.
     */
    List<ClusterListing> list(ProcessQuery query, ConsoleOperator operator) throws SyscallException;

    /** A process of another node, asked of that node: ESRCH, EPERM (not the operator's), EIO (its node is gone). */
    ProcessInfo info(long pid, ConsoleOperator operator) throws SyscallException;

    /** Sends a process of another node {@code signal}, audited on that node with the operator's name. */
    void signal(long pid, Signal signal, ConsoleOperator operator) throws SyscallException;

    /** {@code agent:spawn --node auto}: the node the placement rule chooses. */
    String AUTO = "auto";

    /**
     * The node a spawn placed on {@code node} goes to: that node when it is up, or for
     * {@link #AUTO} the least loaded one (fewest runnable processes per CPU worker; then the lower
     * memory level; then fewer processes; then the name). ENOENT for a node not in the cluster.
     */
    String place(String node) throws SyscallException;

    /**
     * Runs {@code order} on {@code node} as that node's {@code agent:spawn} would for
     * {@code operator}, its checks included; returns what that command printed.
     */
    String spawn(String node, SpawnOrder order, ConsoleOperator operator) throws SyscallException;

    /**
     * Moves {@code pid} to {@code node} ({@link #AUTO}: the least loaded other node): its node
     * cuts it at a quiet step boundary and keeps it paused, the image goes through the cluster,
     * {@code node} restores and starts it, and only then does the original end; when any step
     * fails the original goes on. Both consoles' checks apply to the operator (checkpoint,
     * restore and kill are administrators' commands). Returns what happened, in a sentence
     * naming the new pid.
     */
    String move(long pid, String node, ConsoleOperator operator) throws SyscallException;

    /**
     * Moves every live process of {@code node} (init aside) to the least loaded other nodes, one at
     * a time, as {@link #move} does; done by that node, so that pids given before it joined the
     * cluster are its own. Returns a line per process (moved, or why it stayed) and a summary.
     */
    List<String> drain(String node, ConsoleOperator operator) throws SyscallException;

    /**
     * The agents' images kept in the cluster, of every node (those {@code operator} sees: an
     * administrator all, anyone else their own), by node and pid.
     */
    List<KeptImage> images(ConsoleOperator operator) throws SyscallException;

    /**
     * Where a process that was moved ({@code agent:move}) or restarted from its image after its
     * node was lost runs now, as "node-a as pid 1000000000042": the cluster keeps these for a
     * week, so that an old pid still leads to its process. Empty when it was neither.
     */
    default Optional<String> relocated(long pid) {
        return Optional.empty();
    }
}
