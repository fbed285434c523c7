package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.cluster.RemoteCalls;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two kernels as two nodes of a cluster, joined as the cluster bundle joins them (a call goes
 * to the node that holds the queue, as JSON, and runs there): processes of one node send to,
 * receive from, ack and nack a queue of the other with the queue's guarantees, and the holding
 * node checks capabilities and membership itself.
 */
class QueuesAcrossNodesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private KernelHarness a;
    private KernelHarness b;
    private final AtomicInteger calls = new AtomicInteger();

    /** Sends count jobs {"job": n} to queue, one per step. */
    record Send(String queue, long sent, long count) {}

    /** Receives, works workMs on a job, acks it, and adds up the jobs' numbers until nothing comes for idleMs. */
    record Work(String queue, long idleMs, long workMs, int phase, long id, long done, long sum, long acked) {
        Work at(int next) {
            return new Work(queue, idleMs, workMs, next, id, done, sum, acked);
        }
    }

    /** Node {@code name}'s view of the other node: where its queues are, and calls made there. */
    private final class Link implements RemoteCalls {
        final String here;
        final String there;
        final Kernel other;

        Link(String here, String there, Kernel other) {
            this.here = here;
            this.there = there;
            this.other = other;
        }

        @Override
        public String localNode() {
            return here;
        }

        @Override
        public String place(String node) throws SyscallException {
            if (node.equals(here) || node.equals(there)) return node;
            if (node.equals("auto")) return there;
            throw new SyscallException(Errno.ENOENT, "no node '" + node + "'");
        }

        @Override
        public Optional<String> holderOf(String queue) {
            return other.ipc.stats(queue).isPresent() ? Optional.of(there) : Optional.empty();
        }

        @Override
        public CompletionStage<SyscallResult> call(String node, String call, JsonNode args, RemoteCaller caller) {
            calls.incrementAndGet();
            try { // as over the network: the arguments as text
                JsonNode sent = JSON.readTree(JSON.writeValueAsString(args));
                RemoteCaller named = new RemoteCaller(caller.pid(), caller.owner(), here, caller.capabilities());
                if (call.equals("proc.spawn")) { // as the cluster bundle serves it
                    java.util.List<String> caps = new java.util.ArrayList<>();
                    sent.path("capabilities").forEach(c -> caps.add(c.asText()));
                    long pid = other.spawnFor(named, new SpawnSpec(sent.get("program").asText(), sent.get("args"), null, sent.path("nice").asInt(),
                            caps, null, null));
                    return java.util.concurrent.CompletableFuture.completedFuture(SyscallResult.ok(JSON.createObjectNode().put("pid", pid)));
                }
                return other.ipc.callFrom(named, call, sent);
            } catch (SyscallException e) {
                return java.util.concurrent.CompletableFuture.completedFuture(SyscallResult.error(e));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void forget(String queue) {}
    }

    @BeforeEach
    void start() {
        a = KernelHarness.inMemory();
        b = KernelHarness.inMemory();
        b.kernel.procs.pidsFrom(1_000_000_000_000L); // node number 1: pids unique in the cluster
        a.kernel.ipc.elsewhere.setRemote(() -> new Link("a", "b", b.kernel));
        b.kernel.ipc.elsewhere.setRemote(() -> new Link("b", "a", a.kernel));
        for (KernelHarness h : List.of(a, b)) {
            h.kernel.addProgram(TestPrograms.oneCall(), "test");
            h.kernel.addProgram(TestPrograms.program("sender", Send.class, x -> new Send(x.get("queue").asText(), 0, x.get("count").asLong()),
                    (s, last) -> {
                        if (last != null && !last.isOk()) return Step.exit(s, 1, last.toString());
                        if (s.sent() == s.count()) return Step.exit(s, 0, "sent " + s.sent());
                        return Step.call(new Send(s.queue(), s.sent() + 1, s.count()), "ipc.send",
                                Args.of("queue", s.queue(), "payload", Args.of("job", s.sent() + 1)));
                    }), "test");
            h.kernel.addProgram(TestPrograms.program("work", Work.class, x -> new Work(x.get("queue").asText(), x.path("idleMs").asLong(500),
                    x.path("workMs").asLong(0), 0, 0, 0, 0, 0), (s, last) -> switch (s.phase()) {
                        case 0 -> Step.call(s.at(1), "ipc.recv", Args.of("queue", s.queue(), "timeoutMs", s.idleMs()));
                        case 1 -> {
                            if (!last.isOk()) {
                                yield last.errno() == Errno.ETIMEDOUT ? Step.exit(s, 0, s.done() + " jobs, sum " + s.sum())
                                        : Step.exit(s, 1, last.toString());
                            }
                            JsonNode m = last.value().get("messages").get(0);
                            Work got = new Work(s.queue(), s.idleMs(), s.workMs(), 2, m.get("id").asLong(), s.done() + 1,
                                    s.sum() + m.path("payload").path("job").asLong(), s.acked());
                            yield Step.call(got, "proc.sleep", Args.of("ms", s.workMs()));
                        }
                        case 2 -> Step.call(s.at(3), "ipc.ack", Args.of("queue", s.queue(), "ids", Args.none().arrayNode().add(s.id())));
                        case 3 -> last.isOk() && last.value().get("acked").asInt() == 1 ? Step.call(s.at(1), "ipc.recv",
                                Args.of("queue", s.queue(), "timeoutMs", s.idleMs())) : Step.exit(s, 1, "ack: " + last);
                        default -> throw new IllegalStateException();
                    }), "test");
        }
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private static long spawn(KernelHarness h, String owner, String program, JsonNode args, String... caps) throws SyscallException {
        return h.kernel.spawn(new SpawnSpec(program, args, owner, 0, List.of(caps), null));
    }

    private static ExitStatus exit(KernelHarness h, long pid) throws Exception {
        return h.kernel.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private QueueStats jobs() {
        return a.kernel.ipc.stats("jobs").orElseThrow();
    }

    @Test
    void aProducerOnOneNodeAndConsumersOnBothDoEveryJobOnce() throws Exception {
        a.kernel.ipc.create(QueueSpec.builder("jobs").delivery(Delivery.AT_LEAST_ONCE).capacity(8).build(), "alice");
        // the queue holds 8: the producer on b waits for room, asking again, 200 times over
        long producer = spawn(b, "alice", "sender", Args.of("queue", "jobs", "count", 200), "ipc:send:jobs");
        // each works 2 ms on a job: a receiver waiting on the queue's own node is served first, one elsewhere takes what waits
        long remote = spawn(b, "alice", "work", Args.of("queue", "jobs", "workMs", 2), "ipc:recv:jobs");
        long local = spawn(a, "alice", "work", Args.of("queue", "jobs", "workMs", 2), "ipc:recv:jobs");
        assertEquals("sent 200", exit(b, producer).reason());
        ExitStatus r = exit(b, remote);
        ExitStatus l = exit(a, local);
        long done = 0;
        long sum = 0;
        for (ExitStatus s : List.of(r, l)) {
            assertEquals(0, s.code(), s.reason());
            String[] words = s.reason().split(" ");
            done += Long.parseLong(words[0]);
            sum += Long.parseLong(words[3]);
        }
        assertEquals(200, done, r.reason() + " / " + l.reason());
        assertEquals(200 * 201 / 2, sum, "each job once: " + r.reason() + " / " + l.reason());
        assertTrue(r.reason().matches("[1-9]\\d* jobs.*"), "the consumer on the other node did some: " + r.reason());
        QueueStats s = jobs();
        assertEquals(200, s.sent());
        assertEquals(200, s.acked());
        assertEquals(0, s.inFlight());
        assertEquals(0, s.redelivered());
    }

    @Test
    void theHoldingNodeChecksCapabilityAndMembershipItself() throws Exception {
        a.kernel.ipc.create(QueueSpec.builder("jobs").build(), "alice");
        // bob holds the capability, but the queue is alice's and bob is not a member
        long bob = spawn(b, "bob", "onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", 1)), "ipc:send:jobs");
        ExitStatus s = exit(b, bob);
        assertEquals(1, s.code());
        assertTrue(s.reason().contains("EPERM") && s.reason().contains("belongs to owner alice"), s.reason());
        assertTrue(a.kernel.read(new AuditQuery(0, "ipc.refused", null, 100)).stream()
                .anyMatch(x -> x.name().equals("ipc.refused") && x.owner().equals("bob")), "refused on the holding node, and audited there");
        // alice's process without ipc:recv:jobs is refused on its own node, before any call goes out
        int before = calls.get();
        long noCap = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 0)));
        ExitStatus t = exit(b, noCap);
        assertTrue(t.reason().contains("EPERM") && t.reason().contains("ipc:recv:jobs"), t.reason());
        assertEquals(before, calls.get());
        assertEquals(0, jobs().sent());
    }

    @Test
    void aRemoteReceiverWaitsForWhatIsSentLaterAndTimesOutOnNothing() throws Exception {
        a.kernel.ipc.create(QueueSpec.builder("jobs").build(), "alice");
        int before = calls.get();
        long waiter = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 10_000)),
                "ipc:recv:jobs");
        KernelHarness.await("the empty queue asked a few times", () -> calls.get() >= before + 3);
        a.kernel.ipc.send("jobs", JSON.readTree("{\"late\":true}"), null);
        ExitStatus s = exit(b, waiter);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("\"late\":true"), s.reason());
        long bored = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 200)),
                "ipc:recv:jobs");
        ExitStatus t = exit(b, bored);
        assertTrue(t.reason().contains("ETIMEDOUT") && t.reason().contains("nothing arrived in 'jobs' within 200 ms"), t.reason());
        // a mailbox stays its node's, request/reply does not cross nodes (said plainly)
        long asker = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.request", "args", Args.of("queue", "jobs", "payload", 1)),
                "ipc:send:jobs");
        assertTrue(exit(b, asker).reason().contains("on another node"));
    }

    @Test
    void aProcessStartsAChildOnAnotherNodeWithinItsOwnCapabilities() throws Exception {
        // holds cluster:spawn:b, so its child may go to b; with no more than its own capabilities
        long parent = spawn(a, "alice", "onecall", Args.of("syscall", "proc.spawn", "args", Args.of("program", "onecall", "node", "b",
                "args", Args.of("syscall", "proc.getpid"), "capabilities", Args.none().arrayNode().add("ipc:send:jobs"))),
                "proc:spawn", "cluster:spawn:b", "ipc:send:*");
        ExitStatus s = exit(a, parent);
        assertEquals(0, s.code(), s.reason());
        long child = JSON.readTree(s.reason()).path("pid").asLong(-1);
        assertTrue(child >= 1_000_000_000_000L, "a pid of node b: " + s.reason());
        var info = b.kernel.info(child).orElseThrow();
        assertEquals("alice", info.owner());
        assertEquals(List.of("ipc:send:jobs"), info.capabilities());
        // without the capability for that node: refused on its own node
        long refused = spawn(a, "alice", "onecall", Args.of("syscall", "proc.spawn", "args", Args.of("program", "onecall", "node", "b")),
                "proc:spawn");
        assertTrue(exit(a, refused).reason().contains("cluster:spawn:b"));
        // more capabilities than it holds: refused, whichever node checks
        long greedy = spawn(a, "alice", "onecall", Args.of("syscall", "proc.spawn", "args", Args.of("program", "onecall", "node", "b",
                "capabilities", Args.none().arrayNode().add("fs:*:/**"))), "proc:spawn", "cluster:spawn:*");
        assertTrue(exit(a, greedy).reason().contains("EPERM"), exit(a, greedy).reason());
    }

    @Test
    void aJobHeldByAKilledRemoteReceiverIsDeliveredAgain() throws Exception {
        a.kernel.ipc.create(QueueSpec.builder("jobs").delivery(Delivery.AT_LEAST_ONCE).visibilityMillis(300).build(), "alice");
        a.kernel.ipc.send("jobs", JSON.readTree("{\"job\":7}"), null);
        // receives and never acks
        long holder = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")), "ipc:recv:jobs");
        assertEquals(0, exit(b, holder).code());
        assertEquals(1, jobs().inFlight());
        long worker = spawn(b, "alice", "work", Args.of("queue", "jobs", "idleMs", 2000), "ipc:recv:jobs");
        ExitStatus s = exit(b, worker);
        assertEquals("1 jobs, sum 7", s.reason());
        assertEquals(1, jobs().redelivered());
        assertEquals(1, jobs().acked());
        // a full queue answers at once when asked not to wait
        a.kernel.ipc.create(QueueSpec.builder("tiny").capacity(1).build(), "alice");
        a.kernel.ipc.send("tiny", JSON.readTree("1"), null);
        long pusher = spawn(b, "alice", "onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "tiny", "payload", 2, "timeoutMs", 0)),
                "ipc:send:tiny");
        assertTrue(exit(b, pusher).reason().contains("EAGAIN"));
    }
}
