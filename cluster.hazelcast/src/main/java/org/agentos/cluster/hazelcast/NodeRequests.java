package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The asking side of requests between nodes: a {@link RemoteTask} sent to a node by name through
 * Hazelcast's executor, its answer waited for within a bound that fits the request (a move takes
 * longer than a look-up), and an answer's error turned back into the errno it was.
 */
final class NodeRequests {
    /** How long a request to another node may take. */
    static final long REQUEST_SECONDS = 10;
    /** How long a move may take: the cut waits up to 30 s for a quiet step boundary, then the image travels. */
    static final long MOVE_SECONDS = 300;
    /** How long a drain may take: a move after another. */
    static final long DRAIN_SECONDS = 24 * 3600;

    private final Supplier<HazelcastInstance> member;
    private final Supplier<String> whyNot;

    /** {@code member}: this node's member, null while it is not running ({@code whyNot} says why). */
    NodeRequests(Supplier<HazelcastInstance> member, Supplier<String> whyNot) {
        this.member = member;
        this.whyNot = whyNot;
    }

    HazelcastInstance running() throws SyscallException {
        HazelcastInstance m = member.get();
        if (m == null) throw new SyscallException(Errno.EIO, whyNot.get());
        return m;
    }

    /** Sends {@code operation} to the node named {@code node}; EIO when it is not a member. */
    Future<String> submit(String node, String operation, String body, byte[] data, ConsoleOperator operator) throws SyscallException {
        HazelcastInstance m = running();
        Member other = MemberConfig.memberNamed(m, node);
        if (other != null) return executor(m).submitToMember(task(operation, body, data, operator), other);
        throw new SyscallException(Errno.EIO, "node " + node + " is not in the cluster");
    }

    /** Sends {@code operation} to every other node, by name. */
    Map<String, Future<String>> submitToOthers(String operation, String body, ConsoleOperator operator) throws SyscallException {
        HazelcastInstance m = running();
        Map<String, Future<String>> asked = new TreeMap<>();
        for (Member other : m.getCluster().getMembers()) {
            if (!other.localMember()) {
                asked.put(other.getAttribute(MemberConfig.NODE_ATTRIBUTE), executor(m).submitToMember(task(operation, body, null, operator), other));
            }
        }
        return asked;
    }

    /** Sends {@code operation} to {@code node} and waits for its answer. */
    JsonNode ask(String node, String operation, String body, byte[] data, ConsoleOperator operator) throws SyscallException {
        return RemoteRequests.answer(await(submit(node, operation, body, data, operator), node, seconds(operation)));
    }

    static String await(Future<String> answer, String node, long seconds) throws SyscallException {
        try {
            return answer.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new SyscallException(Errno.ETIMEDOUT, "node " + node + " did not answer within " + seconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while waiting for node " + node);
        } catch (ExecutionException e) {
            throw new SyscallException(Errno.EIO, "node " + node + " could not answer: " + e.getCause());
        }
    }

    static long seconds(String operation) {
        if (operation.equals(RemoteRequests.DRAIN)) return DRAIN_SECONDS;
        return operation.equals(RemoteRequests.MOVE) || operation.equals(RemoteRequests.RESTORE) ? MOVE_SECONDS : REQUEST_SECONDS;
    }

    static String toJson(Object value) throws SyscallException {
        try {
            return RemoteRequests.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "cannot send " + value + ": " + e.getMessage());
        }
    }

    private static IExecutorService executor(HazelcastInstance m) {
        return m.getExecutorService(MemberConfig.REQUESTS_EXECUTOR);
    }

    private static RemoteTask task(String operation, String body, byte[] data, ConsoleOperator operator) {
        return new RemoteTask(operation, body, operator.name(), List.copyOf(operator.roles()), data);
    }
}
