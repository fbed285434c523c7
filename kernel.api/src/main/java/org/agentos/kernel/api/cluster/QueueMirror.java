package org.agentos.kernel.api.cluster;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;

/**
 * The durable queues of this node kept in the cluster as well as on its disk, so that they
 * outlive the node: another node takes a queue over from its copy when this one is lost. The
 * kernel tells it what changes; served by the cluster bundle, absent otherwise.
 */
@org.osgi.annotation.versioning.ProviderType
public interface QueueMirror {

    /** A durable queue was created here. */
    void created(QueueSpec spec, String owner);

    /** A durable queue was deleted here: its copy and its messages go. */
    void deleted(String queue);

    /**
     * Messages of a durable queue, on this node's disk now. The send is acknowledged once the
     * returned stage completes: the messages are in the cluster too (completing exceptionally:
     * they are on this node's disk only, which is logged).
     */
    CompletionStage<Void> sent(String queue, List<Message> messages);

    /** Messages done with (acked, or received from an at-most-once queue): their copies go. */
    void done(String queue, List<Long> ids);
}
