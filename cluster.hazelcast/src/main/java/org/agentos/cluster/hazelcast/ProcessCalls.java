package org.agentos.cluster.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * The asking side of queue calls between nodes. Which node holds a queue is asked of all the
 * others the first time a name is not found here, and remembered (a minute when found, a
 * second when not, forgotten when the holder answers ENOENT or leaves): no directory to keep in
 * step, and a queue's calls go straight to its node afterwards.
 */
final class ProcessCalls {
    static final long FOUND_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long NOT_FOUND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Found(String node, long untilNanos) {}

    private final String here;
    private final Supplier<HazelcastInstance> member;
    private final Map<String, Found> found = new ConcurrentHashMap<>();

    ProcessCalls(String here, Supplier<HazelcastInstance> member) {
        this.here = here;
        this.member = member;
    }

    Optional<String> holderOf(String queue) throws SyscallException {
        long now = System.nanoTime();
        Found f = found.get(queue);
        if (f != null && f.untilNanos() - now > 0) return Optional.ofNullable(f.node());
        HazelcastInstance m = member.get();
        if (m == null) return Optional.empty(); // not in a cluster (yet): a local ENOENT says it
        String args = RemoteRequests.JSON.createObjectNode().put("queue", queue).toString();
        RemoteCaller nobody = new RemoteCaller(0, "", here, List.of());
        List<Map.Entry<String, Future<String>>> asked = new ArrayList<>();
        for (Member other : m.getCluster().getMembers()) {
            if (other.localMember()) continue;
            asked.add(Map.entry(String.valueOf(other.getAttribute(MemberConfig.NODE_ATTRIBUTE)),
                    executor(m).submitToMember(new ProcessCallTask(ProcessCallTask.WHERE, args, nobody), other)));
        }
        String holder = null;
        for (var e : asked) {
            try {
                JsonNode answer = RemoteRequests.answer(NodeRequests.await(e.getValue(), e.getKey(), NodeRequests.REQUEST_SECONDS));
                if (answer.path("ok").asBoolean(false) && holder == null) holder = e.getKey();
            } catch (SyscallException ex) {
                // a node that cannot say is not the holder for now; the next look asks it again
            }
        }
        found.put(queue, new Found(holder, now + (holder == null ? NOT_FOUND_NANOS : FOUND_NANOS)));
        return Optional.ofNullable(holder);
    }

    CompletionStage<SyscallResult> call(String node, String call, JsonNode args, RemoteCaller caller) {
        CompletableFuture<SyscallResult> out = new CompletableFuture<>();
        HazelcastInstance m = member.get();
        if (m == null) return CompletableFuture.completedFuture(SyscallResult.error(Errno.EIO, "this node is not in a cluster now"));
        Member target = MemberConfig.memberNamed(m, node);
        if (target == null) {
            forgetNode(node);
            return CompletableFuture.completedFuture(SyscallResult.error(Errno.EIO, "node " + node + ", which holds the queue, "
                    + "is not in the cluster now"));
        }
        ProcessCallTask task = new ProcessCallTask(call, args.toString(), new RemoteCaller(caller.pid(), caller.owner(), here, caller.capabilities()));
        executor(m).submitToMember(task, target, new ExecutionCallback<String>() {
            @Override
            public void onResponse(String answer) {
                out.complete(result(answer));
            }

            @Override
            public void onFailure(Throwable t) {
                out.complete(SyscallResult.error(Errno.EIO, "node " + node + " could not answer: " + t));
            }
        });
        return out;
    }

    void forget(String queue) {
        found.remove(queue);
    }

    /** A node left: the queues it held are looked for again. */
    void forgetNode(String node) {
        found.values().removeIf(f -> node.equals(f.node()));
    }

    static SyscallResult result(String answer) {
        try {
            return SyscallResult.ok(RemoteRequests.answer(answer).path("ok"));
        } catch (SyscallException e) {
            return SyscallResult.error(e);
        }
    }

    private static IExecutorService executor(HazelcastInstance m) {
        return m.getExecutorService(MemberConfig.CALLS_EXECUTOR);
    }
}
