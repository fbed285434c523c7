package org.agentos.kernel.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * The queues other nodes of the cluster hold, for the kernel: an {@code ipc.*} call on a queue
 * name this node does not hold goes to the node that does, and runs there with that queue's
 * guarantees. Served by the cluster bundle; the kernel works without it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RemoteQueues {

    /** The node that holds queue {@code queue}, when another node of the cluster does. */
    Optional<String> holderOf(String queue) throws SyscallException;

    /**
     * Runs {@code call} ({@code ipc.send}, {@code ipc.recv}, {@code ipc.ack}, {@code ipc.nack})
     * with {@code args} at {@code node} for {@code caller} (as {@link
     * org.agentos.kernel.api.ipc.MessageQueues#callFrom} there). Completes with the call's result,
     * an error result included; never waits for room or for messages there ({@code EAGAIN}).
     */
    CompletionStage<SyscallResult> call(String node, String call, JsonNode args, RemoteCaller caller);

    /** {@code queue} is not (or no longer) where it was found: the next call looks again. */
    void forget(String queue);
}
