package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.agentos.kernel.api.cluster.RemoteCaller;

/**
 * A queue call a process makes on a queue another node holds ({@code ipc.send}, {@code ipc.recv},
 * {@code ipc.ack}, {@code ipc.nack}, or {@link #WHERE}: does that node hold it), with who makes
 * it. Run on the holding member by that member's node; its answer is JSON: {@code {"ok": value}}
 * or {@code {"errno":..., "message":...}}. Queue calls have an executor of their own, so that
 * they never wait behind a move.
 */
final class QueueTask implements Callable<String>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    /** Whether the node holds the queue the arguments name: {@code {"ok": true|false}}. */
    static final String WHERE = "where";

    final String call;
    final String args;
    final long pid;
    final String owner;
    final String node;
    final ArrayList<String> capabilities;
    private transient HazelcastInstance member;

    QueueTask(String call, String args, RemoteCaller caller) {
        this.call = call;
        this.args = args;
        this.pid = caller.pid();
        this.owner = caller.owner();
        this.node = caller.node();
        this.capabilities = new ArrayList<>(caller.capabilities());
    }

    RemoteCaller caller() {
        return new RemoteCaller(pid, owner, node, capabilities == null ? List.of() : capabilities);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member) {
        this.member = member;
    }

    @Override
    public String call() {
        RemoteRequests node = RemoteRequests.at(member.getName());
        if (node == null) return RemoteRequests.error("EIO", "the node is stopping");
        return node.serveQueueCall(this);
    }
}
