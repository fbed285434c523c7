package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.ipc.Ipc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Message queues and mailboxes: each delivery guarantee, blocking on full and empty, access, request/reply. */
class IpcTest {
    private KernelHarness h;
    private Kernel k;
    private Ipc ipc;

    /** Receives with its args, then holds what it got (sleeping) without acking; phase 2 exits. */
    record Hold(JsonNode args, int phase, String got) {}

    /** Receives one request from "svc" and replies to its replyTo with the same correlation id. */
    record Serve(int phase, JsonNode request) {}

    @BeforeEach
    void start() {
        h = KernelHarness.inMemory();
        k = h.kernel;
        ipc = k.ipc;
        k.addProgram(TestPrograms.oneCall(), "test");
        k.addProgram(TestPrograms.sleeper(), "test");
        k.addProgram(TestPrograms.program("holder", Hold.class, a -> new Hold(a, 0, null), (s, last) -> switch (s.phase()) {
            case 0 -> Step.call(new Hold(s.args(), 1, null), "ipc.recv", s.args());
            case 1 -> Step.call(new Hold(s.args(), 2, String.valueOf(last)), "proc.sleep", Args.of("ms", 60_000));
            default -> Step.exit(s, 0, s.got());
        }), "test");
        k.addProgram(TestPrograms.program("server", Serve.class, a -> new Serve(0, null), (s, last) -> switch (s.phase()) {
            case 0 -> Step.call(new Serve(1, null), "ipc.recv", Args.of("queue", "svc"));
            case 1 -> {
                JsonNode m = last.value().get("messages").get(0);
                yield Step.call(new Serve(2, m), "ipc.send", Args.of("queue", m.get("replyTo").asText(),
                        "correlationId", m.get("correlationId").asText(), "payload", Args.of("echo", m.get("payload"))));
            }
            default -> Step.exit(s, last.isOk() ? 0 : 1, String.valueOf(last));
        }), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private QueueStats create(String name, Delivery d, int capacity) throws SyscallException {
        return ipc.create(QueueSpec.builder(name).delivery(d).capacity(capacity).visibilityMillis(200).maxDeliveries(2).build(), "alice");
    }

    private long spawn(String program, JsonNode args, String... caps) throws SyscallException {
        return k.spawn(new SpawnSpec(program, args, "alice", 0, List.of(caps), null));
    }

    private ExitStatus exit(long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private QueueStats stats(String q) {
        return ipc.stats(q).orElseThrow();
    }

    @Test
    void atMostOnceRemovesAMessageWhenItIsReceived() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        ipc.send("jobs", TextNode.valueOf("hello"), null);
        long pid = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")), "ipc:recv:jobs");
        ExitStatus s = exit(pid);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("\"payload\":\"hello\""), s.reason());
        assertEquals(0, stats("jobs").ready());
        assertEquals(0, stats("jobs").inFlight());
    }

    @Test
    void aReceiverOnAnEmptyQueueIsBlockedUntilAMessageArrives() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long pid = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 10_000)),
                "ipc:recv:jobs");
        h.awaitState(pid, ProcessState.BLOCKED);
        assertTrue(h.info(pid).waitingOn().startsWith("ipc.recv jobs"), h.info(pid).waitingOn());
        assertEquals(1, stats("jobs").waitingReceivers());
        ipc.send("jobs", IntNode.valueOf(42), null);
        ExitStatus s = exit(pid);
        assertTrue(s.reason().contains("\"payload\":42"), s.reason());
        assertEquals(0, stats("jobs").waitingReceivers());
    }

    @Test
    void aReceiveTimesOutWithEtimedoutOrFailsAtOnceWithEagain() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long waits = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 50)), "ipc:recv:jobs");
        assertTrue(exit(waits).reason().startsWith("ETIMEDOUT"));
        long polls = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 0)), "ipc:recv:jobs");
        assertTrue(exit(polls).reason().startsWith("EAGAIN"));
        assertEquals(0, stats("jobs").waitingReceivers());
    }

    @Test
    void aSenderOnAFullQueueIsBlockedUntilThereIsSpaceAndNothingIsDropped() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 1);
        ipc.send("jobs", TextNode.valueOf("first"), null);
        long sender = spawn("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", "second")),
                "ipc:send:jobs");
        h.awaitState(sender, ProcessState.BLOCKED);
        assertEquals(1, stats("jobs").waitingSenders());
        assertThrows(SyscallException.class, () -> ipc.send("jobs", TextNode.valueOf("operator"), null),
                "the operator's send does not overtake a waiting sender");
        long receiver = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")), "ipc:recv:jobs");
        assertTrue(exit(receiver).reason().contains("first"));
        assertEquals(0, exit(sender).code());
        List<Message> left = ipc.peek("jobs", 10);
        assertEquals(1, left.size());
        assertEquals("second", left.get(0).payload().asText());
        long timesOut = spawn("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", "x",
                "timeoutMs", 50)), "ipc:send:jobs");
        assertTrue(exit(timesOut).reason().startsWith("ETIMEDOUT"));
        assertEquals(1, stats("jobs").ready(), "a send that timed out put nothing in the queue");
    }

    @Test
    void anUnackedMessageIsDeliveredAgainAfterItsVisibilityTimeout() throws Exception {
        create("jobs", Delivery.AT_LEAST_ONCE, 10);
        ipc.send("jobs", TextNode.valueOf("work"), null);
        long first = spawn("holder", Args.of("queue", "jobs"), "ipc:recv:jobs");
        h.awaitState(first, ProcessState.BLOCKED);
        KernelHarness.await("the message in flight", () -> stats("jobs").inFlight() == 1);
        long second = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 5000)),
                "ipc:recv:jobs");
        ExitStatus s = exit(second); // after the 200 ms visibility timeout of the first delivery
        assertTrue(s.reason().contains("\"attempts\":2") && s.reason().contains("work"), s.reason());
        assertEquals(1, stats("jobs").redelivered());
    }

    @Test
    void anAckedMessageIsDoneAndAnAckOfAnotherReceiversMessageIsStale() throws Exception {
        create("jobs", Delivery.AT_LEAST_ONCE, 10);
        long id = ipc.send("jobs", TextNode.valueOf("work"), null).id();
        long holder = spawn("holder", Args.of("queue", "jobs"), "ipc:recv:jobs");
        KernelHarness.await("the message in flight", () -> stats("jobs").inFlight() == 1);
        long other = spawn("sleeper", Args.none());
        SyscallResult stale = k.call(other, "ipc.ack", Args.of("queue", "jobs", "ids", k.json.createArrayNode().add(id)));
        assertEquals(0, stale.value().get("acked").asInt());
        assertEquals(id, stale.value().get("stale").get(0).asLong());
        SyscallResult acked = k.call(holder, "ipc.ack", Args.of("queue", "jobs", "ids", k.json.createArrayNode().add(id)));
        assertEquals(1, acked.value().get("acked").asInt(), acked.toString());
        assertEquals(0, stats("jobs").inFlight());
        assertEquals(1, stats("jobs").acked());
    }

    @Test
    void aMessageThatFailsItsLastDeliveryGoesToTheDeadLetterQueueAndCanBeRedriven() throws Exception {
        create("jobs", Delivery.AT_LEAST_ONCE, 10); // maxDeliveries 2
        long id = ipc.send("jobs", TextNode.valueOf("poison"), null).id();
        for (int attempt = 1; attempt <= 2; attempt++) {
            long holder = spawn("holder", Args.of("queue", "jobs"), "ipc:recv:jobs");
            KernelHarness.await("delivery", () -> stats("jobs").inFlight() == 1);
            SyscallResult nack = k.call(holder, "ipc.nack", Args.of("queue", "jobs", "ids", k.json.createArrayNode().add(id)));
            assertTrue(nack.isOk(), nack.toString());
            k.kill(holder);
        }
        assertEquals(1, stats("jobs").deadLetters());
        assertEquals(0, stats("jobs").ready());
        assertEquals("poison", ipc.deadLetters("jobs", 10).get(0).payload().asText());
        assertEquals(1, ipc.redrive("jobs", 10));
        assertEquals(1, stats("jobs").ready());
        assertEquals(0, stats("jobs").deadLetters());
    }

    @Test
    void whatAKilledConsumerDidNotAckIsDeliveredToAnotherAtOnce() throws Exception {
        ipc.create(QueueSpec.builder("jobs").delivery(Delivery.AT_LEAST_ONCE).visibilityMillis(3_600_000).build(), "alice");
        ipc.send("jobs", TextNode.valueOf("work"), null);
        long consumer = spawn("holder", Args.of("queue", "jobs"), "ipc:recv:jobs");
        KernelHarness.await("the message in flight", () -> stats("jobs").inFlight() == 1);
        k.kill(consumer);
        long next = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs", "timeoutMs", 5000)),
                "ipc:recv:jobs");
        ExitStatus s = exit(next); // not after the hour-long visibility timeout
        assertTrue(s.reason().contains("work") && s.reason().contains("\"attempts\":2"), s.reason());
    }

    @Test
    void anExactlyOnceQueueDropsARepeatedKeyAndSaysSo() throws Exception {
        create("pay", Delivery.EXACTLY_ONCE, 10);
        long pid = spawn("sleeper", Args.none(), "ipc:send:pay");
        SyscallResult first = k.call(pid, "ipc.send", Args.of("queue", "pay", "payload", 10, "key", "invoice-7"));
        SyscallResult again = k.call(pid, "ipc.send", Args.of("queue", "pay", "payload", 10, "key", "invoice-7"));
        assertTrue(first.isOk() && again.isOk(), again.toString());
        assertEquals(0, first.value().get("duplicates").size());
        assertEquals(first.value().get("ids").get(0).asLong(), again.value().get("duplicates").get(0).get("id").asLong());
        assertEquals(1, stats("pay").ready());
        assertEquals(1, stats("pay").duplicates());
        SyscallResult other = k.call(pid, "ipc.send", Args.of("queue", "pay", "payload", 11, "key", "invoice-8"));
        assertEquals(0, other.value().get("duplicates").size());
        assertEquals(2, stats("pay").ready());
    }

    @Test
    void sendingOrReceivingWithoutTheCapabilityIsEperm() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long pid = spawn("sleeper", Args.none());
        SyscallResult send = k.call(pid, "ipc.send", Args.of("queue", "jobs", "payload", 1));
        assertEquals(Errno.EPERM, send.errno());
        assertTrue(send.message().contains("ipc:send:jobs"), send.message());
        long recv = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")));
        assertTrue(exit(recv).reason().startsWith("EPERM"));
        long snoop = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "@" + pid)), "ipc:recv:*");
        assertTrue(exit(snoop).reason().startsWith("EPERM"), "nobody receives from another process's mailbox");
        assertEquals(Errno.ENOENT, k.call(pid, "ipc.delete", Args.of("queue", "nope")).errno());
    }

    @Test
    void aQueueWithPrioritiesDeliversTheHighestFirstAndFifoWithinOne() throws Exception {
        ipc.create(QueueSpec.builder("urgent").priorities(true).delivery(Delivery.AT_MOST_ONCE).build(), "alice");
        long pid = spawn("sleeper", Args.none(), "ipc:send:urgent");
        k.call(pid, "ipc.send", Args.of("queue", "urgent", "messages", k.json.createArrayNode()
                .add(Args.of("payload", "low", "priority", 1)).add(Args.of("payload", "high-a", "priority", 9))
                .add(Args.of("payload", "mid", "priority", 5)).add(Args.of("payload", "high-b", "priority", 9))));
        List<String> order = ipc.peek("urgent", 10).stream().map(m -> m.payload().asText()).toList();
        assertEquals(List.of("high-a", "high-b", "mid", "low"), order);
    }

    @Test
    void aRequestGetsItsReplyThroughTheMailbox() throws Exception {
        create("svc", Delivery.AT_LEAST_ONCE, 10);
        long server = spawn("server", Args.none(), "ipc:recv:svc", "ipc:send:@*");
        long client = spawn("onecall", Args.of("syscall", "ipc.request", "args", Args.of("queue", "svc", "payload", "ping",
                "timeoutMs", 5000)), "ipc:send:svc");
        ExitStatus s = exit(client);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("\"echo\":\"ping\""), s.reason());
        assertEquals(0, exit(server).code());
    }

    private long spawnAs(String owner, String program, JsonNode args, String... caps) throws SyscallException {
        return k.spawn(new SpawnSpec(program, args, owner, 0, List.of(caps), null));
    }

    @Test
    void anotherOwnersServiceAnswersARequestButWritesNothingElseIntoTheMailbox() throws Exception {
        ipc.create(QueueSpec.builder("svc").members(List.of("bob")).build(), "alice");
        long server = spawnAs("bob", "server", Args.none(), "ipc:recv:svc", "ipc:send:@*");
        long client = spawn("onecall", Args.of("syscall", "ipc.request", "args", Args.of("queue", "svc", "payload", "ping",
                "timeoutMs", 5000)), "ipc:send:svc");
        ExitStatus s = exit(client);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("\"echo\":\"ping\""), s.reason());
        assertEquals(0, exit(server).code(), "bob's reply to alice's request is let in");

        long victim = spawn("sleeper", Args.of("ms", 60_000));
        // with ipc:send:@* bob may name any mailbox, but not write into alice's uninvited, guessed ids included
        for (String id : new String[] {null, "req-" + victim + "-1", "req-" + victim + "-2"}) {
            JsonNode args = id == null ? Args.of("queue", "@" + victim, "payload", "forged")
                    : Args.of("queue", "@" + victim, "payload", "forged", "correlationId", id);
            ExitStatus forged = exit(spawnAs("bob", "onecall", Args.of("syscall", "ipc.send", "args", args), "ipc:send:@*"));
            assertTrue(forged.reason().startsWith("EPERM") && forged.reason().contains("ipc:mailbox:any"), forged.reason());
        }
        assertEquals(0, ipc.stats("@" + victim).map(q -> q.ready()).orElse(0), "nothing reached alice's mailbox");
        ExitStatus admin = exit(spawnAs("bob", "onecall", Args.of("syscall", "ipc.send", "args",
                Args.of("queue", "@" + victim, "payload", "hello")), "ipc:send:@*", "ipc:mailbox:any"));
        assertEquals(0, admin.code(), admin.reason());
        assertEquals(1, ipc.stats("@" + victim).orElseThrow().ready());
        // an owner's own processes write into each other's mailboxes as before
        ExitStatus own = exit(spawn("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "@" + victim, "payload", 1)),
                "ipc:send:@*"));
        assertEquals(0, own.code(), own.reason());
    }

    @Test
    void aQueueServesOnlyItsOwnerAndItsMembersWhateverTheirCapabilities() throws Exception {
        // mallory takes the name the team meant to use: the team's agents, holding ipc:send:team, put nothing into it
        ipc.create(QueueSpec.builder("team").build(), "mallory");
        ExitStatus send = exit(spawnAs("team", "onecall", Args.of("syscall", "ipc.send", "args",
                Args.of("queue", "team", "payload", "plan")), "ipc:send:team"));
        assertTrue(send.reason().startsWith("EPERM") && send.reason().contains("belongs to owner mallory"), send.reason());
        assertEquals(0, stats("team").ready(), "nothing reached mallory's queue");
        ExitStatus create = exit(spawnAs("team", "onecall", Args.of("syscall", "ipc.create", "args", Args.of("queue", "team")),
                "ipc:create:team"));
        assertTrue(create.reason().startsWith("EEXIST"), "the team learns the name is taken: " + create.reason());

        // a queue its creator opens to a named owner; mallory's ipc:recv:* reaches nothing of it
        ExitStatus made = exit(spawnAs("team", "onecall", Args.of("syscall", "ipc.create", "args",
                Args.of("queue", "team.jobs", "members", k.json.createArrayNode().add("partner"))), "ipc:create:team.jobs"));
        assertEquals(0, made.code(), made.reason());
        assertEquals(Set.of("partner"), stats("team.jobs").members());
        assertEquals(0, exit(spawnAs("team", "onecall", Args.of("syscall", "ipc.send", "args",
                Args.of("queue", "team.jobs", "payload", "job-1")), "ipc:send:team.jobs")).code());
        ExitStatus snoop = exit(spawnAs("mallory", "onecall", Args.of("syscall", "ipc.recv", "args",
                Args.of("queue", "team.jobs", "timeoutMs", 0)), "ipc:recv:*"));
        assertTrue(snoop.reason().startsWith("EPERM"), snoop.reason());
        ExitStatus partner = exit(spawnAs("partner", "onecall", Args.of("syscall", "ipc.recv", "args",
                Args.of("queue", "team.jobs", "timeoutMs", 0)), "ipc:recv:team.jobs"));
        assertEquals(0, partner.code(), partner.reason());
        assertTrue(partner.reason().contains("job-1"), partner.reason());
        ExitStatus admin = exit(spawnAs("ops", "onecall", Args.of("syscall", "ipc.send", "args",
                Args.of("queue", "team.jobs", "payload", "x")), "ipc:send:*", "ipc:admin"));
        assertEquals(0, admin.code(), "ipc:admin reaches every queue: " + admin.reason());
        ExitStatus bad = exit(spawnAs("team", "onecall", Args.of("syscall", "ipc.create", "args",
                Args.of("queue", "team.x", "members", k.json.createArrayNode().add("a/../b"))), "ipc:create:team.x"));
        assertTrue(bad.reason().startsWith("EINVAL"), bad.reason());
    }

    @Test
    void replyToNamesTheSendersOwnMailboxAndRequestIdsAreNotGuessable() throws Exception {
        create("jobs", Delivery.AT_LEAST_ONCE, 10);
        long victim = spawn("sleeper", Args.of("ms", 60_000));
        ExitStatus spoofed = exit(spawn("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", 1,
                "replyTo", "@" + victim)), "ipc:send:jobs"));
        assertTrue(spoofed.reason().startsWith("EINVAL") && spoofed.reason().contains("replyTo names the sender's own mailbox"),
                spoofed.reason());
        for (int i = 0; i < 2; i++) {
            spawn("onecall", Args.of("syscall", "ipc.request", "args", Args.of("queue", "jobs", "payload", i, "timeoutMs", 100)),
                    "ipc:send:jobs");
        }
        KernelHarness.await("two requests", () -> ipc.stats("jobs").orElseThrow().ready() == 2);
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (var m : ipc.peek("jobs", 2)) ids.add(m.correlationId());
        assertEquals(2, ids.size());
        for (String id : ids) assertTrue(id.matches("req-[0-9a-z]{16,}"), id);
    }

    @Test
    void oneOwnersQueuesHoldAtMostItsBudgetAndOthersAreNotHeldBack() throws Exception {
        ipc.create(QueueSpec.builder("alice.big").capacity(900_000).build(), "alice");
        SyscallException over = assertThrows(SyscallException.class,
                () -> ipc.create(QueueSpec.builder("alice.more").capacity(200_000).build(), "alice"));
        assertEquals(Errno.EQUOTA, over.errno());
        assertTrue(over.getMessage().contains("one owner's queues hold at most 1000000 together"), over.getMessage());
        assertTrue(ipc.stats("alice.more").isEmpty());
        ipc.create(QueueSpec.builder("bob.big").capacity(900_000).build(), "bob"); // bob has his own budget
        ipc.delete("alice.big");
        ipc.create(QueueSpec.builder("alice.more").capacity(200_000).build(), "alice"); // a delete gives it back
        for (int i = 1; i < Ipc.MAX_QUEUES_PER_OWNER; i++) ipc.create(QueueSpec.builder("carol." + i).capacity(1).build(), "carol");
        ipc.create(QueueSpec.builder("carol.last").capacity(1).build(), "carol");
        assertEquals(Errno.EQUOTA, assertThrows(SyscallException.class,
                () -> ipc.create(QueueSpec.builder("carol.one-too-many").capacity(1).build(), "carol")).errno());
    }

    @Test
    void oneOwnersQueuesHoldAtMostTheirByteBudgetAndOthersAreNotHeldBack() throws Exception {
        ipc.create(QueueSpec.builder("big").delivery(Delivery.AT_MOST_ONCE).capacity(1000).build(), "alice");
        String mib = "x".repeat((int) Ipc.MAX_MESSAGE_BYTES - 2); // with its quotes, 1 MiB of JSON
        long pid = spawn("sleeper", Args.none(), "ipc:send:big");
        SyscallResult tooBig = k.call(pid, "ipc.send", Args.of("queue", "big", "payload", mib + "y"));
        assertEquals(Errno.EINVAL, tooBig.errno(), tooBig.toString());
        long fits = Ipc.MAX_BYTES_PER_OWNER / Ipc.MAX_MESSAGE_BYTES;
        for (int i = 0; i < fits; i++) {
            SyscallResult r = k.call(pid, "ipc.send", Args.of("queue", "big", "payload", mib));
            assertTrue(r.isOk(), i + ": " + r);
        }
        assertEquals(Ipc.MAX_BYTES_PER_OWNER, ipc.heldBytesOf("alice"));
        SyscallResult full = k.call(pid, "ipc.send", Args.of("queue", "big", "payload", "one more"));
        assertEquals(Errno.ENOSPC, full.errno(), "the queue has room for messages, the owner has none for bytes");
        assertTrue(full.message().contains("owner alice"), full.message());
        assertEquals(Errno.ENOSPC, assertThrows(SyscallException.class, () -> ipc.send("big", TextNode.valueOf("op"), null)).errno());
        // another owner's queues have their own budget
        ipc.create(QueueSpec.builder("bob.q").build(), "bob");
        long bob = spawnAs("bob", "sleeper", Args.none(), "ipc:send:bob.q");
        assertTrue(k.call(bob, "ipc.send", Args.of("queue", "bob.q", "payload", mib)).isOk());
        // a receive gives the bytes back, and so does a delete
        long reader = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "big", "max", 1)), "ipc:recv:big");
        assertEquals(0, exit(reader).code());
        assertEquals(Ipc.MAX_BYTES_PER_OWNER - Ipc.MAX_MESSAGE_BYTES, ipc.heldBytesOf("alice"));
        assertTrue(k.call(pid, "ipc.send", Args.of("queue", "big", "payload", "fits again")).isOk());
        ipc.delete("big");
        assertEquals(0, ipc.heldBytesOf("alice"));
        k.kill(pid);
        k.kill(bob);
    }

    @Test
    void aSendIsChargedToTheSendersByteQuota() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 100);
        String big = "x".repeat(4000);
        long pid = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", big)),
                "alice", 0, List.of("ipc:send:jobs"), org.agentos.kernel.api.process.Quotas.NONE.withBytes(1000)));
        ExitStatus s = exit(pid);
        assertTrue(s.reason().contains("EQUOTA"), s.reason());
        assertEquals(0, ipc.stats("jobs").orElseThrow().ready(), "nothing was queued past the quota");
        long ok = spawn("onecall", Args.of("syscall", "ipc.send", "args", Args.of("queue", "jobs", "payload", big)), "ipc:send:jobs");
        assertEquals(0, exit(ok).code());
        assertTrue(k.info(ok).orElseThrow().usage().bytes() >= 4000, "the send counts as bytes moved");
    }

    @Test
    void deletingAQueueWakesItsWaitersWithEnoent() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long pid = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")), "ipc:recv:jobs");
        h.awaitState(pid, ProcessState.BLOCKED);
        ipc.delete("jobs");
        assertTrue(exit(pid).reason().startsWith("ENOENT"));
        assertTrue(ipc.stats("jobs").isEmpty());
    }

    @Test
    void aTerminateRequestInterruptsABlockedReceiveAndTakesItOffTheQueue() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long pid = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("queue", "jobs")), "ipc:recv:jobs");
        h.awaitState(pid, ProcessState.BLOCKED);
        k.terminate(pid);
        ExitStatus s = exit(pid);
        assertTrue(s.reason().contains("EINTR") || s.code() == 143, s.toString());
        assertEquals(0, stats("jobs").waitingReceivers());
        ipc.send("jobs", TextNode.valueOf("after"), null);
        assertEquals(1, stats("jobs").ready(), "the message was not handed to the interrupted receiver");
    }

    @Test
    void aProcessMailboxTakesMessagesFromOthersAndGoesWithTheProcess() throws Exception {
        long receiver = spawn("onecall", Args.of("syscall", "ipc.recv", "args", Args.of("timeoutMs", 5000)));
        h.awaitState(receiver, ProcessState.BLOCKED);
        long sender = spawn("sleeper", Args.none(), "ipc:send:@" + receiver);
        SyscallResult sent = k.call(sender, "ipc.send", Args.of("queue", "@" + receiver, "payload", "hi"));
        assertTrue(sent.isOk(), sent.toString());
        assertTrue(exit(receiver).reason().contains("\"from\":" + sender));
        KernelHarness.await("the mailbox to go with its process", () -> ipc.stats("@" + receiver).isEmpty());
        assertEquals(Errno.ESRCH, k.call(sender, "ipc.send", Args.of("queue", "@" + receiver, "payload", "late")).errno());
    }

    @Test
    void blockingIpcCallsCannotBeMadeFromOutsideTheProcess() throws Exception {
        create("jobs", Delivery.AT_MOST_ONCE, 10);
        long pid = spawn("sleeper", Args.none(), "ipc:recv:jobs");
        assertEquals(Errno.EINVAL, k.call(pid, "ipc.recv", Args.of("queue", "jobs")).errno());
    }
}
