package org.agentos.kernel.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * Calls a process makes that run on another node of the cluster, for the kernel: an {@code ipc.*}
 * call on a queue name this node does not hold goes to the node that does and runs there with
 * that queue's guarantees; a {@code proc.spawn} with a {@code node} starts the child there. The
 * node that runs a call checks it itself, for the {@link RemoteCaller} it carries. Served by the
 * cluster bundle; the kernel works without it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RemoteCalls {

    /** This node's name in the cluster. */
    String localNode();

    /** The node that holds queue {@code queue}, when another node of the cluster does. */
    Optional<String> holderOf(String queue) throws SyscallException;

    /**
     * The node a child goes to: {@code node} itself when it is up, or for {@code auto} the least
     * loaded one (as {@link Cluster#place}). {@code ENOENT} for a node not in the cluster.
     */
    String place(String node) throws SyscallException;

    /**
     * Runs {@code call} with {@code args} at {@code node} for {@code caller}: {@code ipc.send},
     * {@code ipc.recv}, {@code ipc.ack}, {@code ipc.nack} (as {@link
     * org.agentos.kernel.api.ipc.MessageQueues#callFrom} there; never waiting for room or for
     * messages: {@code EAGAIN}) or {@code proc.spawn} (as {@link
     * org.agentos.kernel.api.process.ProcessManager#spawnFor} there). Completes with the call's
     * result, an error result included.
     */
    CompletionStage<SyscallResult> call(String node, String call, JsonNode args, RemoteCaller caller);

    /** {@code queue} is not (or no longer) where it was found: the next call looks again. */
    void forget(String queue);
}
