package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * What one node sends another through Hazelcast's executor: run on the receiving member, it
 * hands itself to that member's node ({@link RemoteRequests#at}), and answers JSON.
 */
abstract class TaskForNode implements Callable<String>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance member) {
        this.member = member;
    }

    @Override
    public String call() {
        RemoteRequests node = RemoteRequests.at(member.getName());
        if (node == null) return RemoteRequests.error("EIO", "the node is stopping");
        return servedBy(node);
    }

    /** What the node that received it answers. */
    abstract String servedBy(RemoteRequests node);
}
