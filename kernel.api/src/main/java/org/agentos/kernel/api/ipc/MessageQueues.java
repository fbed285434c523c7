package org.agentos.kernel.api.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * The kernel's message queues for operators and bundles (the console's {@code ipc:*} commands).
 * Agents use the {@code ipc.*} system calls instead. A privileged service (permission
 * {@code kernel.admin}).
 */
@org.osgi.annotation.versioning.ProviderType
public interface MessageQueues {

    /** Every queue and mailbox, sorted by name. */
    List<QueueStats> queues();

    Optional<QueueStats> stats(String queue);

    /** Creates a queue owned by {@code owner}. {@code EEXIST} when the name is taken, {@code EINVAL} for a bad spec. */
    QueueStats create(QueueSpec spec, String owner) throws SyscallException;

    /** Deletes a queue; waiting senders and receivers get {@code ENOENT}, its messages are dropped. */
    void delete(String queue) throws SyscallException;

    /** Ready messages, first to be received first, without receiving them. */
    List<Message> peek(String queue, int max) throws SyscallException;

    /** Messages in the queue's dead-letter queue, oldest first. */
    List<Message> deadLetters(String queue, int max) throws SyscallException;

    /** Moves up to {@code max} dead letters back to the queue, attempts reset; returns how many moved. */
    int redrive(String queue, int max) throws SyscallException;

    /**
     * Sends as the operator (pid 0). Never blocks: {@code EAGAIN} when the queue is full.
     * Returns the message, or the original one when {@code key} was a duplicate.
     */
    Message send(String queue, JsonNode payload, String key) throws SyscallException;

    /**
     * A queue call that a process of another node of the cluster made on a queue of this node:
     * {@code ipc.send}, {@code ipc.recv}, {@code ipc.ack} or {@code ipc.nack} with the arguments
     * the syscall takes. This node checks it as it checks its own processes' calls: the capability
     * the call needs, among those the caller holds; the queue's owner and members; the owner's
     * byte quota. It never waits for room or for messages: {@code EAGAIN} (the caller's node waits
     * and asks again). A durable send completes once it is on disk here. Messages the caller
     * receives are in flight for its pid, as for a local receiver.
     */
    CompletionStage<SyscallResult> callFrom(RemoteCaller caller, String call, JsonNode args);

    /**
     * Makes a queue as {@code image} holds it, its messages ready with their ids (a durable queue of
     * a lost node, taken over from its copy in the cluster). {@code EEXIST} when one of that name
     * is here.
     */
    QueueStats restore(org.agentos.kernel.api.image.QueueImage image) throws SyscallException;
}
