package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A request one node sends another through Hazelcast's executor: what to do, with the operator
 * it is done for. Run on the receiving member, it hands itself to that member's node. Its answer
 * is JSON: the result, or {@code {"errno":..., "message":...}}.
 */
final class RemoteTask implements Callable<String>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    final String operation;
    final String body;
    final String user;
    final ArrayList<String> roles;
    /** Bytes that go with it (a piece of an image on its way), or null. */
    final byte[] data;
    private transient HazelcastInstance member;

    RemoteTask(String operation, String body, String user, List<String> roles) {
        this(operation, body, user, roles, null);
    }

    RemoteTask(String operation, String body, String user, List<String> roles, byte[] data) {
        this.operation = operation;
        this.body = body;
        this.user = user;
        this.roles = new ArrayList<>(roles);
        this.data = data;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member) {
        this.member = member;
    }

    @Override
    public String call() {
        RemoteRequests node = RemoteRequests.at(member.getName());
        if (node == null) return RemoteRequests.error("EIO", "the node is stopping");
        return node.serve(this);
    }
}
