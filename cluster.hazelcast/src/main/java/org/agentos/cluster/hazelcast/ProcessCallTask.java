package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.agentos.kernel.api.cluster.RemoteCaller;

/**
 * A call a process makes that runs on another node: on a queue that node holds ({@code ipc.send},
 * {@code ipc.recv}, {@code ipc.ack}, {@code ipc.nack}, or {@link #WHERE}: does it hold it), or
 * {@code proc.spawn} there, with who makes it. Run on that member by its node; the answer is
 * JSON: {@code {"ok": value}} or {@code {"errno":..., "message":...}}. These calls have an
 * executor of their own, so that they never wait behind a move.
 */
final class ProcessCallTask implements Callable<String>, Serializable, HazelcastInstanceAware {
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

    ProcessCallTask(String call, String args, RemoteCaller caller) {
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
        return node.serveProcessCall(this);
    }
}
