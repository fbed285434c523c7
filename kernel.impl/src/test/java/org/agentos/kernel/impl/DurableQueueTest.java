package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable queues: what was sent and not done survives a restart and a kill -9; deletes and dead letters too. */
class DurableQueueTest {
    @TempDir
    Path dir;

    private static QueueSpec durable(String name, Delivery d) {
        return QueueSpec.builder(name).delivery(d).durable(true).capacity(100_000).build();
    }

    @Test
    void sentAndNotAckedMessagesAreThereAfterARestartAndAckedOnesAreNot() throws Exception {
        long firstId;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(QueueSpec.builder("jobs").delivery(Delivery.AT_LEAST_ONCE).durable(true).members(List.of("bob")).build(), "alice");
            firstId = k.ipc.send("jobs", TextNode.valueOf("one"), null).id();
            k.ipc.send("jobs", TextNode.valueOf("two"), null);
            k.ipc.send("jobs", TextNode.valueOf("three"), null);
            // a receiver takes two and ends without acking: they are ready again, in their places
            k.addProgram(TestPrograms.oneCall(), "test");
            long receiver = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.recv", "args",
                    Args.of("queue", "jobs", "max", 2)), "alice", 0, List.of("ipc:recv:jobs"), null));
            k.awaitExit(receiver).toCompletableFuture().get(10, TimeUnit.SECONDS);
            KernelHarness.await("the receiver's messages back", () -> k.ipc.stats("jobs").orElseThrow().ready() == 3);
            assertTrue(k.ipc.stats("jobs").orElseThrow().durable());
            k.ipc.create(durable("gone", Delivery.AT_MOST_ONCE), "alice");
            k.ipc.send("gone", TextNode.valueOf("x"), null);
            k.ipc.delete("gone");
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            List<Message> ready = again.kernel.ipc.peek("jobs", 10);
            assertEquals(List.of("one", "two", "three"), ready.stream().map(m -> m.payload().asText()).toList(),
                    "nothing was acked: all three are there, in order, with their ids");
            assertEquals(firstId, ready.get(0).id());
            assertEquals(java.util.Set.of("bob"), again.kernel.ipc.stats("jobs").orElseThrow().members(), "who may use it survives too");
            assertTrue(again.kernel.ipc.stats("gone").isEmpty(), "a deleted queue stays deleted");
            Message next = again.kernel.ipc.send("jobs", TextNode.valueOf("four"), null);
            assertTrue(next.id() > ready.get(2).id(), "new ids continue after the restored ones");
        }
    }

    /** What the cluster's copy of the durable queues was told, in order. */
    static final class RecordingMirror implements org.agentos.kernel.api.cluster.QueueMirror {
        final List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile java.util.concurrent.CompletableFuture<Void> nextSend = java.util.concurrent.CompletableFuture.completedFuture(null);

        public void created(QueueSpec spec, String owner) { told.add("created " + spec.name() + " " + owner); }
        public void deleted(String queue) { told.add("deleted " + queue); }
        public java.util.concurrent.CompletionStage<Void> sent(String queue, List<Message> messages) {
            told.add("sent " + queue + " " + messages.stream().map(m -> m.id() + "=" + m.payload().asText()).toList());
            return nextSend;
        }
        public void done(String queue, List<Long> ids) { told.add("done " + queue + " " + ids); }
    }

    @Test
    void aClusterKeepsACopyOfADurableQueueAndASendWaitsForIt() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            RecordingMirror mirror = new RecordingMirror();
            k.ipc.setMirror(() -> mirror);
            k.ipc.create(durable("jobs", Delivery.AT_LEAST_ONCE), "alice");
            k.ipc.create(QueueSpec.builder("fleeting").build(), "alice");
            assertEquals(List.of("created jobs alice"), mirror.told, "only durable queues are kept in the cluster");
            mirror.nextSend = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Message> sent = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return k.ipc.send("jobs", TextNode.valueOf("one"), null);
                } catch (org.agentos.kernel.api.syscall.SyscallException e) {
                    throw new IllegalStateException(e);
                }
            });
            KernelHarness.await("the copy asked for", () -> mirror.told.size() == 2);
            assertTrue(!sent.isDone(), "not acknowledged before the cluster has it");
            mirror.nextSend.complete(null);
            long id = sent.get(10, TimeUnit.SECONDS).id();
            assertEquals("sent jobs [" + id + "=one]", mirror.told.get(1));
            k.addProgram(TestPrograms.program("acker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> switch ((int) st.n()) {
                        case 0 -> org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(1, 0), "ipc.recv", Args.of("queue", "jobs"));
                        case 1 -> org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(2, 0), "ipc.ack", Args.of("queue", "jobs",
                                "ids", Args.none().arrayNode().add(last.value().get("messages").get(0).get("id").asLong())));
                        default -> org.agentos.kernel.api.program.Step.exit(st, 0);
                    }), "test");
            long acker = k.spawn(new SpawnSpec("acker", null, "alice", 0, List.of("ipc:recv:jobs"), null));
            k.awaitExit(acker).toCompletableFuture().get(10, TimeUnit.SECONDS);
            KernelHarness.await("the ack told", () -> mirror.told.contains("done jobs [" + id + "]"));
            k.ipc.delete("jobs");
            assertEquals("deleted jobs", mirror.told.get(mirror.told.size() - 1));
            // a lost node's queue, taken over from its copy: the messages with their ids, in line
            k.ipc.restore(new org.agentos.kernel.api.image.QueueImage(durable("orders", Delivery.EXACTLY_ONCE), "bob",
                    List.of(new Message(41, "orders", 7, TextNode.valueOf("a"), 0, "k-a", null, null, 1, 0),
                            new Message(42, "orders", 7, TextNode.valueOf("b"), 0, "k-b", null, null, 0, 0)), null));
            assertEquals(List.of(41L, 42L), k.ipc.peek("orders", 10).stream().map(Message::id).toList());
            assertEquals("bob", k.ipc.stats("orders").orElseThrow().owner());
            assertTrue(mirror.told.contains("created orders bob"), "its new holder keeps it in the cluster from now on");
            assertTrue(k.ipc.send("orders", TextNode.valueOf("c"), null).id() > 42, "new ids after the restored ones");
        }
    }

    @Test
    void ackedMessagesAndDeadLettersAreRememberedAcrossARestart() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(durable("jobs", Delivery.AT_LEAST_ONCE), "alice");
            for (String p : new String[] {"done", "poison", "pending"}) k.ipc.send("jobs", TextNode.valueOf(p), null);
            // a worker takes two (and keeps them, sleeping): the first is acked, the second nacked to the dead letters
            k.addProgram(TestPrograms.program("taker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> st.n() == 0 ? org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(1, 0), "ipc.recv",
                            Args.of("queue", "jobs", "max", 2))
                            : org.agentos.kernel.api.program.Step.call(st, "proc.sleep", Args.of("ms", 60_000))), "test");
            long worker = k.spawn(new SpawnSpec("taker", Args.none(), "alice", 0, List.of("ipc:recv:jobs"), null));
            KernelHarness.await("two in flight", () -> k.ipc.stats("jobs").orElseThrow().inFlight() == 2);
            assertTrue(k.call(worker, "ipc.ack", Args.of("queue", "jobs", "ids", Args.none().arrayNode().add(1))).isOk());
            assertTrue(k.call(worker, "ipc.nack", Args.of("queue", "jobs", "ids", Args.none().arrayNode().add(2),
                    "requeue", false)).isOk());
            assertEquals(1, k.ipc.stats("jobs").orElseThrow().deadLetters());
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            assertEquals(List.of("pending"), again.kernel.ipc.peek("jobs", 10).stream().map(m -> m.payload().asText()).toList());
            assertEquals(List.of("poison"), again.kernel.ipc.deadLetters("jobs", 10).stream().map(m -> m.payload().asText()).toList());
            assertEquals(1, again.kernel.ipc.redrive("jobs", 10));
        }
        try (KernelHarness third = KernelHarness.persistent(dir)) {
            assertEquals(List.of("pending", "poison"), third.kernel.ipc.peek("jobs", 10).stream().map(m -> m.payload().asText()).toList(),
                    "a redrive is remembered too");
        }
    }

    @Test
    void aProcessSendingToADurableQueueWaitsForTheCommitAndThenItsMessageIsThere() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(durable("jobs", Delivery.EXACTLY_ONCE), "alice");
            k.addProgram(TestPrograms.oneCall(), "test");
            long sender = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.send", "args",
                    Args.of("queue", "jobs", "payload", "hello", "key", "k1")), "alice", 0, List.of("ipc:send:jobs"), null));
            ExitStatus s = k.awaitExit(sender).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertEquals(1, k.ipc.stats("jobs").orElseThrow().ready());
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            assertEquals("hello", again.kernel.ipc.peek("jobs", 1).get(0).payload().asText());
        }
    }

    @Test
    void anExactlyOnceQueueRemembersTheKeysOfAckedMessagesAcrossARestart() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(durable("once", Delivery.EXACTLY_ONCE), "alice");
            k.ipc.send("once", TextNode.valueOf("charge card"), "order-7");
            k.addProgram(TestPrograms.oneCall(), "test");
            long worker = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.recv", "args",
                    Args.of("queue", "once", "max", 1)), "alice", 0, List.of("ipc:recv:once"), null));
            k.awaitExit(worker).toCompletableFuture().get(10, TimeUnit.SECONDS);
            // the receiver ended without acking: the message is back; an operator acks it through a fresh receiver
            KernelHarness.await("the message back", () -> k.ipc.stats("once").orElseThrow().ready() == 1);
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            Kernel k = again.kernel;
            k.addProgram(TestPrograms.program("acker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> st.n() == 0
                            ? org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(1, 0), "ipc.recv", Args.of("queue", "once", "max", 1))
                            : st.n() == 1
                            ? org.agentos.kernel.api.program.Step.call(new TestPrograms.Count(2, 0), "ipc.ack", Args.of("queue", "once",
                                    "ids", Args.none().arrayNode().add(last.value().get("messages").get(0).get("id").asLong())))
                            : org.agentos.kernel.api.program.Step.exit(st, last.isOk() ? 0 : 1, String.valueOf(last))), "test");
            long acker = k.spawn(new SpawnSpec("acker", Args.none(), "alice", 0, List.of("ipc:recv:once"), null));
            ExitStatus s = k.awaitExit(acker).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            assertEquals(0, k.ipc.stats("once").orElseThrow().ready());
            assertEquals(1, k.ipc.stats("once").orElseThrow().acked());
        }
        try (KernelHarness third = KernelHarness.persistent(dir)) {
            SyscallException dup = org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
                    () -> third.kernel.ipc.send("once", TextNode.valueOf("charge card"), "order-7"));
            assertEquals(Errno.EEXIST, dup.errno(), "the card is not charged twice after a restart");
            Message fresh = third.kernel.ipc.send("once", TextNode.valueOf("another"), "order-8");
            assertTrue(fresh.id() > 1, "ids of acked messages are not given again");
        }
    }

    @Test
    void theLogIsCompactedWhileSendsAndReceivesGoOnAndKeepsExactlyWhatIsQueued() throws Exception {
        List<Long> before = new ArrayList<>();
        Kernel k = new Kernel(KernelHarness.HAL, KernelSettings.defaults(dir).withWorkers(2));
        k.ipc.compactAbove(128 << 10);
        k.start();
        k.setScheduler(new RoundRobinScheduler(), "test");
        try {
            k.ipc.create(durable("churn", Delivery.AT_MOST_ONCE), "alice");
            k.addProgram(TestPrograms.program("drain", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> org.agentos.kernel.api.program.Step.call(st, "ipc.recv",
                            Args.of("queue", "churn", "max", 7, "timeoutMs", 5000))), "test");
            long drain = k.spawn(new SpawnSpec("drain", Args.none(), "alice", 0, List.of("ipc:recv:churn"), null));
            String pad = "x".repeat(200);
            List<Thread> senders = new ArrayList<>();
            // a failure in a sender thread is collected here: JUnit sees only the test's own thread
            java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                Thread s = new Thread(() -> {
                    try {
                        for (int i = 0; i < 2500; i++) k.ipc.send("churn", TextNode.valueOf(thread + "-" + i + pad), null);
                    } catch (SyscallException | RuntimeException e) {
                        failures.add(e);
                    }
                });
                s.start();
                senders.add(s);
            }
            for (Thread s : senders) {
                s.join(60_000);
                assertFalse(s.isAlive(), "a sender did not finish its 2,500 sends within 60 s");
            }
            assertTrue(failures.isEmpty(), "sends failed: " + failures);
            k.kill(drain);
            k.awaitExit(drain).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(k.ipc.logCompactions() > 0, "10,000 sends and their receives grew the log past 128 KiB");
            for (Message m : k.ipc.peek("churn", Integer.MAX_VALUE)) before.add(m.id());
        } finally {
            k.stop();
        }
        assertTrue(java.nio.file.Files.size(dir.resolve("ipc/queues.log")) < 4 << 20, "the log holds what is live, not the history");
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            List<Long> after = new ArrayList<>();
            for (Message m : again.kernel.ipc.peek("churn", Integer.MAX_VALUE)) after.add(m.id());
            assertEquals(before.size(), after.size(), "as many messages as were queued at the stop");
            assertTrue(before.equals(after), "the messages queued at the stop, in their order");
        }
    }

    @Test
    void anAtMostOnceReceiveIsOnDiskBeforeTheReceiverSeesItSoARestartNeverDeliversItTwice() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(durable("events", Delivery.AT_MOST_ONCE), "alice");
            k.addProgram(TestPrograms.oneCall(), "test");
            // one receiver waits first (served when the message commits), one receives what is already there
            long waiting = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.recv", "args",
                    Args.of("queue", "events", "max", 1)), "alice", 0, List.of("ipc:recv:events"), null));
            KernelHarness.await("the receiver to wait", () -> k.ipc.stats("events").orElseThrow().waitingReceivers() == 1);
            k.ipc.send("events", TextNode.valueOf("first"), null);
            assertEquals(0, k.awaitExit(waiting).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
            k.ipc.send("events", TextNode.valueOf("second"), null);
            k.ipc.send("events", TextNode.valueOf("third"), null);
            long taker = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "ipc.recv", "args",
                    Args.of("queue", "events", "max", 1)), "alice", 0, List.of("ipc:recv:events"), null));
            assertEquals(0, k.awaitExit(taker).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            assertEquals(List.of("third"), again.kernel.ipc.peek("events", 10).stream().map(m -> m.payload().asText()).toList(),
                    "the two received messages are not delivered again");
        }
    }

    @Test
    void aSendThroughTheGatewayToADurableQueueReturnsOnceItIsOnDisk() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Kernel k = h.kernel;
            k.ipc.create(durable("jobs", Delivery.AT_LEAST_ONCE), "alice");
            k.addProgram(TestPrograms.program("sleeper", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0),
                    (st, last) -> org.agentos.kernel.api.program.Step.call(st, "proc.sleep", Args.of("ms", 60_000))), "test");
            long pid = k.spawn(new SpawnSpec("sleeper", Args.none(), "alice", 0, List.of("ipc:send:jobs"), null));
            org.agentos.kernel.api.syscall.SyscallResult r = k.call(pid, "ipc.send", Args.of("queue", "jobs", "payload", "via gateway"));
            assertTrue(r.isOk(), String.valueOf(r));
            assertEquals(1, r.value().get("ids").size());
            assertEquals(1, k.ipc.stats("jobs").orElseThrow().ready(), "on disk and in the queue when the call returns");
        }
        try (KernelHarness again = KernelHarness.persistent(dir)) {
            assertEquals("via gateway", again.kernel.ipc.peek("jobs", 1).get(0).payload().asText());
        }
    }

    @Test
    void aDurableQueueNeedsADataDirectory() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            SyscallException e = org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
                    () -> h.kernel.ipc.create(durable("jobs", Delivery.AT_LEAST_ONCE), "alice"));
            assertEquals(Errno.EINVAL, e.errno());
        }
    }

    /** The child: sends to a durable queue from four threads until killed, one line per acknowledged send. */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            Kernel k = new Kernel(KernelHarness.HAL, KernelSettings.defaults(Path.of(args[0])).withWorkers(1));
            k.start();
            k.ipc.create(durable("crash", Delivery.AT_LEAST_ONCE), "crash");
            for (int t = 0; t < 4; t++) {
                int thread = t;
                new Thread(() -> {
                    for (int i = 0; ; i++) {
                        String payload = thread + "-" + i;
                        try {
                            Message m = k.ipc.send("crash", TextNode.valueOf(payload), null);
                            synchronized (System.out) {
                                System.out.println("ACK " + m.id() + " " + payload);
                                System.out.flush();
                            }
                        } catch (SyscallException e) {
                            System.err.println("send failed: " + e);
                            return;
                        }
                    }
                }).start();
            }
            Thread.currentThread().join();
        }
    }

    @Test
    void everyAcknowledgedSendSurvivesKillMinus9() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Sender.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; lines.size() < 2000 && (line = out.readLine()) != null; ) lines.add(line);
            assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            for (String line; (line = out.readLine()) != null; ) lines.add(line);
        }
        assertTrue(lines.size() >= 2000, "the child acknowledged " + lines.size() + " sends");
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            Set<String> present = new HashSet<>();
            for (Message m : h.kernel.ipc.peek("crash", Integer.MAX_VALUE)) present.add(m.id() + " " + m.payload().asText());
            for (String line : lines) {
                String idAndPayload = line.substring("ACK ".length());
                assertTrue(present.contains(idAndPayload), "lost acknowledged send " + idAndPayload);
            }
        }
    }
}
