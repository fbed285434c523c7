package org.agentos.kernel.api.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.agentos.kernel.api.syscall.SyscallException;

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
}
