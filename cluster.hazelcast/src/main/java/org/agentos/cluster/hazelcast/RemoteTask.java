package org.agentos.cluster.hazelcast;

import java.util.ArrayList;
import java.util.List;

/**
 * A request one node sends another through Hazelcast's executor: what to do, with the operator
 * it is done for. Run on the receiving member, it hands itself to that member's node. Its answer
 * is JSON: the result, or {@code {"errno":..., "message":...}}.
 */
final class RemoteTask extends TaskForNode {
    private static final long serialVersionUID = 1L;

    final String operation;
    final String body;
    final String user;
    final ArrayList<String> roles;
    /** Bytes that go with it (a piece of an image on its way), or null. */
    final byte[] data;

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
    String servedBy(RemoteRequests node) {
        return node.serve(this);
    }
}
