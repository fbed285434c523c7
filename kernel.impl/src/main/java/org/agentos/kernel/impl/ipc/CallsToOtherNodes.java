package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.cluster.RemoteCalls;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * This node's processes calling queues another node of the cluster holds (and spawning children
 * there): the call goes to that node, which checks and runs it (as {@link CallsFromOtherNodes});
 * meanwhile the process is
 * BLOCKED and holds no thread. As that node never waits, a send to a full queue or a receive
 * from an empty one is asked again here, 5 ms later and then twice as late each time up to
 * 100 ms, until it goes through or the call's timeout passes.
 */
public final class CallsToOtherNodes {
    static final long FIRST_RETRY_MILLIS = 5;
    static final long LAST_RETRY_MILLIS = 100;
    /** How long an ack, a nack or a send from outside a program waits for the other node. */
    static final long ANSWER_SECONDS = 10;

    private final Kernel k;
    private final Ipc ipc;
    private volatile Supplier<RemoteCalls> remote = () -> null;

    CallsToOtherNodes(Kernel k, Ipc ipc) {
        this.k = k;
        this.ipc = ipc;
    }

    /** Where the cluster's queues are found (the cluster bundle, when it is installed). */
    public void setRemote(Supplier<RemoteCalls> remote) {
        this.remote = remote;
    }

    /** The node that holds queue {@code name}, when this node does not and another does; null otherwise. */
    public String holderOf(String name) throws SyscallException {
        if (name == null || name.startsWith("@") || ipc.queues.containsKey(name)) return null;
        RemoteCalls r = remote.get();
        return r == null ? null : r.holderOf(name).orElse(null);
    }

    /**
     * Makes {@code call} at {@code node} for {@code p}, which waits BLOCKED for the answer (null
     * returned); a full or empty queue is asked again until {@code timeoutMs} (-1: no limit; 0:
     * {@code EAGAIN} at once) has passed.
     */
    public SyscallResult park(Proc p, String node, String call, JsonNode args, long timeoutMs) throws SyscallException {
        RemoteCalls r = present();
        String queue = args.path("queue").asText();
        ObjectNode asked = withoutTimeout(args);
        CompletableFuture<Void> token = new CompletableFuture<>();
        synchronized (p) {
            p.blockedOn = token;
            p.cancelCall = token;
            k.parked.blockLocked(p, call + " " + queue + " (node " + node + ")");
        }
        long deadline = timeoutMs < 0 ? Long.MAX_VALUE : k.hal.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ask(r, p, token, node, call, queue, asked, timeoutMs, deadline, FIRST_RETRY_MILLIS);
        return null;
    }

    private void ask(RemoteCalls r, Proc p, CompletableFuture<Void> token, String node, String call, String queue, ObjectNode args,
                     long timeoutMs, long deadline, long backoff) {
        r.call(node, call, args, callerOf(p)).whenComplete((result, failure) -> {
            if (token.isCancelled()) { // killed or terminated meanwhile
                giveBack(r, p, node, call, queue, result);
                return;
            }
            SyscallResult answer = failure != null ? SyscallResult.error(Errno.EIO, "node " + node + " did not answer: " + failure) : result;
            if (answer.errno() == Errno.ENOENT) r.forget(queue);
            if (answer.errno() == Errno.EAGAIN && timeoutMs != 0) {
                long wait = Math.min(backoff, LAST_RETRY_MILLIS);
                if (k.hal.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) >= deadline) {
                    answer = SyscallResult.error(Errno.ETIMEDOUT, call.equals("ipc.send")
                            ? "queue '" + queue + "' stayed full for " + timeoutMs + " ms"
                            : "nothing arrived in '" + queue + "' within " + timeoutMs + " ms");
                } else {
                    try {
                        k.timers.schedule(() -> {
                            if (!token.isCancelled()) ask(r, p, token, node, call, queue, args, timeoutMs, deadline, wait * 2);
                        }, wait, TimeUnit.MILLISECONDS);
                        return;
                    } catch (RejectedExecutionException stopping) {
                        return; // the kernel is stopping: the checkpoint keeps the call, the restart makes it again
                    }
                }
            }
            if (!k.parked.completeIf(p, token, answer)) giveBack(r, p, node, call, queue, answer);
        });
    }

    /** Messages received for a process that is gone: back to the queue at once, not after its visibility timeout. */
    private void giveBack(RemoteCalls r, Proc p, String node, String call, String queue, SyscallResult received) {
        if (!call.equals("ipc.recv") || received == null || !received.isOk()) return;
        ObjectNode nack = k.json.createObjectNode().put("queue", queue).put("requeue", true);
        var ids = nack.putArray("ids");
        received.value().path("messages").forEach(m -> ids.add(m.path("id").asLong()));
        if (!ids.isEmpty()) r.call(node, "ipc.nack", nack, callerOf(p));
    }

    /** Makes {@code call} at {@code node} for {@code p} and waits for the answer on this thread (ack, nack, a send from outside). */
    public SyscallResult now(Proc p, String node, String call, JsonNode args) throws SyscallException {
        RemoteCalls r = present();
        ObjectNode asked = withoutTimeout(args);
        try {
            SyscallResult answer = r.call(node, call, asked, callerOf(p)).toCompletableFuture().get(ANSWER_SECONDS, TimeUnit.SECONDS);
            if (answer.errno() == Errno.ENOENT) r.forget(args.path("queue").asText());
            return answer;
        } catch (TimeoutException e) {
            throw new SyscallException(Errno.ETIMEDOUT, "node " + node + " did not answer within " + ANSWER_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while waiting for node " + node);
        } catch (ExecutionException e) {
            throw new SyscallException(Errno.EIO, "node " + node + " did not answer: " + e.getCause());
        }
    }

    /** The cluster's calls, or null when this node is in none. */
    public RemoteCalls remote() {
        return remote.get();
    }

    private RemoteCalls present() throws SyscallException {
        RemoteCalls r = remote.get();
        if (r == null) throw new SyscallException(Errno.EIO, "this node has left its cluster");
        return r;
    }

    /** The call's arguments as the other node gets them: it never waits, so no timeout (this node keeps it). */
    private static ObjectNode withoutTimeout(JsonNode args) {
        ObjectNode asked = args.deepCopy();
        asked.remove("timeoutMs");
        return asked;
    }

    private static RemoteCaller callerOf(Proc p) {
        return new RemoteCaller(p.pid, p.owner, null, p.caps.patterns());
    }
}
