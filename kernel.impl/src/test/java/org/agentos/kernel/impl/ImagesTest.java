package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.memory.hierarchical.HierarchicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process cut at a quiet step boundary and restored as a new process, on the same kernel or
 * another one: it goes on where it was, with its state, memory, mailbox and journal; a restorer
 * grants no more than it holds; images that do not fit are refused with a clear errno.
 */
class ImagesTest {
    @TempDir
    Path dir;

    /** Adds up what arrives in its mailbox, keeping the sum in memory too; exits after {@code limit} messages. */
    record Sum(long sum, long n, long limit, boolean stored) {}

    static Program<Sum> summer() {
        return TestPrograms.program("summer", Sum.class, a -> new Sum(0, 0, a.path("limit").asLong(3), true), (s, last) -> {
            if (!s.stored()) { // the message it received is in last
                long v = last.value().path("messages").path(0).path("payload").path("v").asLong();
                Sum next = new Sum(s.sum() + v, s.n() + 1, s.limit(), true);
                return Step.call(next, "mem.put", Args.of("key", "sum", "value", Args.of("sum", next.sum())));
            }
            if (s.n() >= s.limit()) return Step.exit(s, 0, "sum=" + s.sum());
            return Step.call(new Sum(s.sum(), s.n(), s.limit(), false), "ipc.recv", Args.of("timeoutMs", 60_000));
        });
    }

    /** Sends 1..limit to queue jobs, one a step. */
    record Sent(long next, long limit) {}

    static Program<Sent> producer() {
        return TestPrograms.program("producer", Sent.class, a -> new Sent(1, a.path("limit").asLong()), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 1, "send failed: " + last);
            if (s.next() > s.limit()) return Step.exit(s, 0, "sent " + s.limit());
            return Step.call(new Sent(s.next() + 1, s.limit()), "ipc.send", Args.of("queue", "jobs", "payload", Args.of("i", s.next())));
        });
    }

    /** Receives from jobs, counts and sums what it got, acks it; exits after limit messages. */
    record Got(long count, long sum, long limit, long ackId) {}

    static Program<Got> consumer() {
        return TestPrograms.program("consumer", Got.class, a -> new Got(0, 0, a.path("limit").asLong(), 0), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 1, "failed: " + last);
            if (s.ackId() == 0 && last != null && last.value().has("messages")) {
                JsonNode m = last.value().path("messages").path(0);
                Got got = new Got(s.count() + 1, s.sum() + m.path("payload").path("i").asLong(), s.limit(), m.path("id").asLong());
                return Step.call(got, "ipc.ack", Args.of("queue", "jobs", "ids", Args.none().arrayNode().add(got.ackId())));
            }
            Got acked = new Got(s.count(), s.sum(), s.limit(), 0);
            if (s.count() >= s.limit()) return Step.exit(acked, 0, "count=" + s.count() + " sum=" + s.sum());
            return Step.call(acked, "ipc.recv", Args.of("queue", "jobs", "timeoutMs", 60_000));
        });
    }

    private KernelHarness kernel(String name) throws Exception {
        KernelHarness h = KernelHarness.persistent(Files.createDirectories(dir.resolve(name)));
        h.kernel.mem.bind(HierarchicalMemory.standalone(null, 64L << 20, 1L << 30), "test");
        h.kernel.images.setCeilings((op, caps) -> { }); // console users may grant anything here
        h.kernel.addProgram(summer(), "test");
        h.kernel.addProgram(producer(), "test");
        h.kernel.addProgram(consumer(), "test");
        return h;
    }

    private static void send(KernelHarness h, long pid, long v) throws SyscallException {
        h.kernel.ipc.send("@" + pid, Args.of("v", v), null);
    }

    private static long storedSum(KernelHarness h, long pid) {
        try {
            return h.kernel.mem.manager().get(MemCaller.kernel(), "user/" + pid, "sum").json().path("sum").asLong(-1);
        } catch (SyscallException e) {
            return -1;
        }
    }

    private static ExitStatus exit(KernelHarness h, long pid) throws Exception {
        return h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<MemoryImageEntry> memoryOf(AgentCut cut) throws SyscallException {
        List<MemoryImageEntry> out = new ArrayList<>();
        for (Iterator<MemoryImageEntry> it = cut.memory(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void anAgentCutWhileItWaitsGoesOnOnAnotherKernelWithItsStateMemoryAndMailbox() throws Exception {
        ProcessImage image;
        List<MemoryImageEntry> memory;
        long original;
        try (KernelHarness a = kernel("a")) {
            original = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 4), "alice", 0, List.of(), null));
            send(a, original, 1);
            send(a, original, 2);
            KernelHarness.await("two messages summed", () -> storedSum(a, original) == 3);
            KernelHarness.await("waiting for the next", () -> "ipc.recv".equals(callOf(a, original)));
            // it waits in ipc.recv: the cut takes the wait back, and it stays paused (to be moved)
            try (AgentCut first = a.kernel.images.cut(original, new CutOptions(5_000, true), i -> { })) {
                assertEquals(ProcessState.PAUSED, a.state(original));
                assertEquals("ipc.recv", first.image().state().path("callName").asText(), "the receive is pending again");
            }
            send(a, original, 3); // nobody waits: it stays in the mailbox, and so goes into the image
            List<String> heldWhile = new ArrayList<>();
            try (AgentCut cut = a.kernel.images.cut(original, CutOptions.defaults(), i -> heldWhile.add(a.state(original).name()))) {
                image = cut.image();
                memory = memoryOf(cut);
            }
            assertEquals(List.of("PAUSED"), heldWhile, "held at the cut while the caller adds what it keeps");
            assertEquals(ProcessState.PAUSED, a.state(original), "it was paused before: it stays so");
            assertEquals(1, image.mailbox().size(), image.mailbox().toString());
            assertEquals(3, image.mailbox().get(0).payload().path("v").asLong());
            assertEquals(List.of("sum"), memory.stream().map(MemoryImageEntry::key).toList());
            assertEquals(3, memory.get(0).json().path("sum").asLong());
            assertEquals("summer", image.program());
            assertTrue(image.tools().containsKey("ipc.recv") && image.tools().containsKey("mem.put"), image.tools().toString());
            assertTrue(image.journal().size() >= 5, "START and the results it was given: " + image.journal().size());
            a.kernel.kill(original);
        }
        try (KernelHarness b = kernel("b")) {
            long moved = b.kernel.images.restore(image, memory,
                    RestoreSpec.byOperator(new ConsoleOperator("root", Set.of("admin")), null, null, false));
            assertEquals("alice", b.info(moved).owner());
            send(b, moved, 4);
            ExitStatus done = exit(b, moved);
            assertEquals("sum=10", done.reason(), "1+2 before, 3 from the image's mailbox, 4 after");
            // its journal came along: a replay of the moved process runs identically
            var report = b.kernel.replay.run(moved, null, 10_000);
            assertTrue(report.identical(), report.toString());
        }
    }

    @Test
    void aCutToMoveThatComesDuringAnotherCutKeepsTheAgentPaused() throws Exception {
        try (KernelHarness a = kernel("a")) {
            long pid = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 2), "alice", 0, List.of(), null));
            send(a, pid, 5);
            KernelHarness.await("summed", () -> storedSum(a, pid) == 5);
            java.util.concurrent.CountDownLatch inFirst = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch letFirstGo = new java.util.concurrent.CountDownLatch(1);
            // a cut that lets it go on (a cluster's image of it), still under way when a move cuts it to keep it paused
            Thread first = new Thread(() -> {
                try {
                    a.kernel.images.cut(pid, CutOptions.defaults(), i -> {
                        inFirst.countDown();
                        try {
                            letFirstGo.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }).close();
                } catch (SyscallException e) {
                    throw new IllegalStateException(e);
                }
            });
            first.start();
            assertTrue(inFirst.await(10, TimeUnit.SECONDS));
            java.util.concurrent.CompletableFuture<Void> second = new java.util.concurrent.CompletableFuture<>();
            Thread secondCut = new Thread(() -> {
                try {
                    a.kernel.images.cut(pid, new CutOptions(10_000, true), i -> { }).close();
                    second.complete(null);
                } catch (SyscallException | RuntimeException e) {
                    second.completeExceptionally(e);
                }
            });
            secondCut.start();
            KernelHarness.await("the second cut at the first one's lock", () -> secondCut.getState() == Thread.State.BLOCKED);
            assertTrue(!second.isDone(), "the second cut waits for the first");
            letFirstGo.countDown();
            first.join(10_000);
            second.get(10, TimeUnit.SECONDS);
            assertEquals(ProcessState.PAUSED, a.state(pid), "the first cut's end did not let go of the second's hold");
        }
    }

    @Test
    void aRestoredCopyRunsBesideItsOriginalOnTheSameKernel() throws Exception {
        try (KernelHarness a = kernel("a")) {
            long original = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 2), "alice", 0, List.of(), null));
            send(a, original, 5);
            KernelHarness.await("summed", () -> storedSum(a, original) == 5);
            long copy;
            try (AgentCut cut = a.kernel.images.cut(original, CutOptions.defaults(), i -> { })) {
                assertTrue(a.state(original) != ProcessState.PAUSED, "not paused before the cut: it goes on after it");
                copy = a.kernel.images.restore(cut.image(), memoryOf(cut),
                        RestoreSpec.byOperator(new ConsoleOperator("alice", Set.of()), null, null, false));
            }
            assertEquals(5, storedSum(a, copy), "its memory came along");
            send(a, original, 1);
            send(a, copy, 2);
            assertEquals("sum=6", exit(a, original).reason());
            assertEquals("sum=7", exit(a, copy).reason());
        }
    }

    @Test
    void aWholeAgentForkCopiesStateMemoryAndMailboxAndBothGoOn() throws Exception {
        try (KernelHarness a = kernel("a")) {
            long original = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 3), "alice", 0, List.of("mem:*"), null));
            send(a, original, 10);
            KernelHarness.await("summed", () -> storedSum(a, original) == 10);
            // held at a quiet boundary with its receive taken back, a message waits in its mailbox
            a.kernel.images.cut(original, new CutOptions(5_000, true), i -> { }).close();
            send(a, original, 1);
            long copy = a.kernel.images.fork(original, 5_000, true);
            assertEquals(ProcessState.PAUSED, a.state(original), "it was paused before the fork: it stays so");
            assertEquals(ProcessState.PAUSED, a.state(copy), "asked for paused");
            assertEquals("alice", a.info(copy).owner());
            assertEquals(List.of("mem:*"), a.info(copy).capabilities());
            assertEquals(10, storedSum(a, copy), "its memory, copy-on-write");
            a.kernel.resume(original);
            a.kernel.resume(copy);
            send(a, original, 100);
            send(a, copy, 200);
            assertEquals("sum=111", exit(a, original).reason());
            assertEquals("sum=211", exit(a, copy).reason(), "the copy had the same state and the same mail");
            a.kernel.sync();
            var audit = a.kernel.read(new org.agentos.kernel.api.audit.AuditQuery(copy, "fork", null, 10));
            assertTrue(audit.stream().anyMatch(r -> String.valueOf(r.detail()).contains("from pid " + original)), audit.toString());
            // a fork replays from the fork: its journal starts with a snapshot of that moment
            var report = a.kernel.replay.run(copy, null, 10_000);
            assertTrue(report.identical(), report.toString());
        }
    }

    @Test
    void aProducerAndItsConsumerCutTogetherUnderLoadGoOnElsewhereWithNothingLostOrRepeated() throws Exception {
        int n = 3000;
        org.agentos.kernel.api.image.GroupCut group;
        List<org.agentos.kernel.api.image.MemberImage> members = new ArrayList<>();
        List<org.agentos.kernel.api.image.QueueImage> queues;
        try (KernelHarness a = kernel("a")) {
            a.kernel.ipc.create(org.agentos.kernel.api.ipc.QueueSpec.builder("jobs").capacity(n).durable(true).build(), "alice");
            List<String> caps = List.of("ipc:*:jobs");
            long consumer = a.kernel.spawn(new SpawnSpec("consumer", Args.of("limit", n), "alice", 0, caps, null));
            long producer = a.kernel.spawn(new SpawnSpec("producer", Args.of("limit", n), "alice", 0, caps, null));
            KernelHarness.await("the pair under way", () -> a.kernel.procs.get(consumer).steps > 200);
            group = a.kernel.images.cutGroup(List.of(producer, consumer), new CutOptions(10_000, true), i -> { });
            try (group) {
                for (AgentCut c : group.members()) members.add(new org.agentos.kernel.api.image.MemberImage(c.image(), memoryOf(c)));
                queues = group.queues();
            }
            assertEquals(List.of("jobs"), queues.stream().map(q -> q.spec().name()).toList(), "the queue between them");
            assertTrue(a.kernel.procs.get(producer).steps < n, "cut while it still had to send");
            a.kernel.kill(producer);
            a.kernel.kill(consumer);
        }
        try (KernelHarness b = kernel("b")) {
            List<Long> pids = b.kernel.images.restoreGroup(members, queues,
                    RestoreSpec.byOperator(new ConsoleOperator("root", Set.of("admin")), null, null, false));
            assertEquals("sent " + n, exit(b, pids.get(0)).reason());
            assertEquals("count=" + n + " sum=" + ((long) n * (n + 1) / 2), exit(b, pids.get(1)).reason(),
                    "each message once: none lost at the cut, none delivered twice");
            var jobs = b.kernel.ipc.stats("jobs").orElseThrow();
            assertEquals(0, jobs.ready() + jobs.inFlight(), "nothing left over");
        }
    }

    @Test
    void aGroupRestoreIsAllOrNothing() throws Exception {
        try (KernelHarness a = kernel("a")) {
            a.kernel.ipc.create(org.agentos.kernel.api.ipc.QueueSpec.builder("jobs").capacity(100).build(), "alice");
            long consumer = a.kernel.spawn(new SpawnSpec("consumer", Args.of("limit", 5), "alice", 0, List.of("ipc:*:jobs"), null));
            KernelHarness.await("waiting", () -> "ipc.recv".equals(callOf(a, consumer)));
            List<org.agentos.kernel.api.image.MemberImage> members = new ArrayList<>();
            List<org.agentos.kernel.api.image.QueueImage> queues;
            try (var group = a.kernel.images.cutGroup(List.of(consumer), CutOptions.defaults(), i -> { })) {
                for (AgentCut c : group.members()) members.add(new org.agentos.kernel.api.image.MemberImage(c.image(), memoryOf(c)));
                queues = group.queues();
            }
            // here the queue exists: refused, and the member restored meanwhile is gone again
            SyscallException e = assertThrows(SyscallException.class, () -> a.kernel.images.restoreGroup(members, queues,
                    RestoreSpec.byOperator(new ConsoleOperator("root", Set.of("admin")), null, null, false)));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(1, a.kernel.list(10_000).stream().filter(i -> i.program().equals("consumer") && !i.state().isTerminal()).count(),
                    "only the original consumer lives");
        }
    }

    @Test
    void aCutWaitsForAToolCallAndSaysWhichWhenItTakesTooLong() throws Exception {
        try (KernelHarness a = kernel("a")) {
            a.kernel.addTool(KernelHarness.tool(ToolDescriptor.builder("slow.io").version("1.0.0").args(Args.of("type", "object"))
                    .resourceClass(org.agentos.kernel.api.syscall.ResourceClass.IO).build(), (ctx, args) -> {
                        try {
                            Thread.sleep(args.path("ms").asLong());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return Args.of("slept", true);
                    }), "test");
            a.kernel.addProgram(TestPrograms.program("slowpoke", TestPrograms.Count.class, x -> new TestPrograms.Count(0, 0),
                    (s, last) -> s.n() == 0 ? Step.call(new TestPrograms.Count(1, 0), "slow.io", Args.of("ms", 1500))
                            : Step.exit(s, 0, String.valueOf(last.value()))), "test");
            long pid = a.kernel.spawn(new SpawnSpec("slowpoke", Args.none(), "alice", 0, List.of("*"), null));
            KernelHarness.await("in its call", () -> "slow.io".equals(callOf(a, pid)));
            SyscallException late = assertThrows(SyscallException.class,
                    () -> a.kernel.images.cut(pid, new CutOptions(100, false), i -> { }));
            assertEquals(Errno.ETIMEDOUT, late.errno());
            assertTrue(late.getMessage().contains("slow.io"), late.getMessage());
            // refused, it went on: the call ends and the process exits
            assertEquals(0, exit(a, pid).code());
        }
    }

    private static String callOf(KernelHarness h, long pid) {
        return h.kernel.procs.get(pid) == null ? null : h.kernel.procs.get(pid).callName;
    }

    @Test
    void imagesThatDoNotFitAreRefusedWithAClearErrno() throws Exception {
        ProcessImage image;
        try (KernelHarness a = kernel("a")) {
            long pid = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of("fs:read:/home/alice/**"), null));
            KernelHarness.await("waiting", () -> "ipc.recv".equals(callOf(a, pid)));
            try (AgentCut cut = a.kernel.images.cut(pid, CutOptions.defaults(), i -> { })) {
                image = cut.image();
            }
            RestoreSpec admin = RestoreSpec.byOperator(new ConsoleOperator("root", Set.of("admin")), null, null, false);
            // a newer format
            ProcessImage newer = new ProcessImage(2, image.pid(), image.ppid(), image.owner(), image.program(), image.programBundle(),
                    image.capabilities(), image.quotas(), image.usage(), image.tools(), image.kernelVersion(), image.cutMillis(),
                    image.state(), image.journal(), image.mailbox());
            SyscallException e = assertThrows(SyscallException.class, () -> a.kernel.images.restore(newer, List.of(), admin));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("format 2"), e.getMessage());
            // a tool this kernel lacks, named with its version
            ProcessImage needsTool = new ProcessImage(1, image.pid(), image.ppid(), image.owner(), image.program(), image.programBundle(),
                    image.capabilities(), image.quotas(), image.usage(), Map.of("web.search", "2.1.0"), image.kernelVersion(),
                    image.cutMillis(), image.state(), image.journal(), image.mailbox());
            e = assertThrows(SyscallException.class, () -> a.kernel.images.restore(needsTool, List.of(), admin));
            assertEquals(Errno.ENOSYS, e.errno());
            assertTrue(e.getMessage().contains("web.search 2.1.0"), e.getMessage());
            // a process restores with at most what it holds
            long parent = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of(), null));
            e = assertThrows(SyscallException.class, () -> a.kernel.images.restore(image, List.of(),
                    RestoreSpec.byProcess(parent, null, false)));
            assertEquals(Errno.EPERM, e.errno());
            assertTrue(e.getMessage().contains("fs:read:/home/alice/**"), e.getMessage());
            // a console user restores only as itself
            e = assertThrows(SyscallException.class, () -> a.kernel.images.restore(image, List.of(),
                    RestoreSpec.byOperator(new ConsoleOperator("bob", Set.of()), null, null, false)));
            assertEquals(Errno.EPERM, e.errno());
            // a record that is not one
            ProcessImage garbled = new ProcessImage(1, image.pid(), image.ppid(), image.owner(), image.program(), image.programBundle(),
                    image.capabilities(), image.quotas(), image.usage(), image.tools(), image.kernelVersion(), image.cutMillis(),
                    Args.of("state", "nonsense"), image.journal(), image.mailbox());
            e = assertThrows(SyscallException.class, () -> a.kernel.images.restore(garbled, List.of(), admin));
            assertEquals(Errno.EINVAL, e.errno());
            int before = a.kernel.procs.size();
            // and a program this kernel lacks
            try (KernelHarness b = KernelHarness.persistent(Files.createDirectories(dir.resolve("c")))) {
                e = assertThrows(SyscallException.class, () -> b.kernel.images.restore(image, List.of(), admin));
                assertEquals(Errno.ENOSYS, e.errno());
                assertTrue(e.getMessage().contains("'summer'"), e.getMessage());
            }
            assertEquals(before, a.kernel.procs.size(), "nothing was left behind by the refusals");
        }
    }
}
