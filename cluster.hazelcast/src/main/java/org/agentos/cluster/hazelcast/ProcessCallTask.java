package org.agentos.cluster.hazelcast;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.cluster.RemoteCaller;

/**
 * A call a process makes that runs on another node: on a queue that node holds ({@code ipc.send},
 * {@code ipc.recv}, {@code ipc.ack}, {@code ipc.nack}, or {@link #WHERE}: does it hold it), or
 * {@code proc.spawn} there, with who makes it. Run on that member by its node; the answer is
 * JSON: {@code {"ok": value}} or {@code {"errno":..., "message":...}}. These calls have an
 * executor of their own, so that they never wait behind a move.
 */
final class ProcessCallTask extends TaskForNode {
    private static final long serialVersionUID = 1L;
    /** Whether the node holds the queue the arguments name: {@code {"ok": true|false}}. */
    static final String WHERE = "where";

    final String call;
    final String args;
    final long pid;
    final String owner;
    final String node;
    final ArrayList<String> capabilities;

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
    String servedBy(RemoteRequests node) {
        return node.serveProcessCall(this);
    }
}
