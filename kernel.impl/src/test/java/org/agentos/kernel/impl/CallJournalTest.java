package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The call journal: what each process was given, kept in order, and given back after a kill -9 instead of made again. */
class CallJournalTest {
    @TempDir
    Path dir;

    /** A writer's state: the value it writes next, how many to write, and whether it waits for that write's result. */
    record Writer(long n, long limit, boolean writing) {}

    /** Writes 0..limit-1 with effect.append, reading the clock after each write; exits with the count (3: a write answered another value). */
    static org.agentos.kernel.api.program.Program<Writer> writer() {
        return TestPrograms.program("writer", Writer.class, a -> new Writer(0, a.path("limit").asLong(), false), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 2, "call failed: " + last);
            if (s.writing()) {
                if (last.value().get("written").asLong() != s.n()) return Step.exit(s, 3, "wrote " + last.value() + " for " + s.n());
                return Step.call(new Writer(s.n() + 1, s.limit(), false), "clock.now", Args.none());
            }
            if (s.n() >= s.limit()) return Step.exit(s, (int) s.n(), "wrote " + s.n());
            return Step.call(new Writer(s.n(), s.limit(), true), "effect.append", Args.of("value", s.n()));
        });
    }

    /**
     * A tool with an effect outside the kernel: it appends a line to {@code effects.log} (fsynced)
     * and notes every invocation in {@code invocations.log}. Like a well-behaved tool with effects,
     * it answers a repeat of a call it has made (the same call id) with its first result.
     */
    static final class EffectTool implements Tool {
        private final Path effects;
        private final Path invocations;
        private final Map<String, Long> made = new HashMap<>();

        EffectTool(Path dir) throws IOException {
            effects = dir.resolve("effects.log");
            invocations = dir.resolve("invocations.log");
            if (Files.exists(effects)) {
                for (String line : Files.readAllLines(effects)) {
                    String[] f = line.split(" ");
                    made.put(f[0], Long.parseLong(f[2]));
                }
            }
        }

        @Override
        public ToolDescriptor descriptor() {
            return ToolDescriptor.builder("effect.append").version("1.0.0").description("appends a value to a file")
                    .args(Args.of("type", "object")).resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).build();
        }

        @Override
        public synchronized JsonNode call(org.agentos.kernel.api.syscall.ToolContext ctx, JsonNode args) {
            String id = ctx.callId();
            long value = args.get("value").asLong();
            append(invocations, id + "\n", false);
            Long first = made.get(id);
            if (first == null) {
                append(effects, id + " " + ctx.pid() + " " + value + "\n", true);
                made.put(id, value);
                first = value;
            }
            return JsonNodeFactory.instance.objectNode().put("written", first);
        }

        private static void append(Path f, String line, boolean fsync) {
            try (var ch = java.nio.channels.FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                if (fsync) ch.force(false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void theJournalHoldsEachResultTheProcessWasGivenInOrder() throws Exception {
        long pid;
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addTool(new EffectTool(dir), "test");
            h.kernel.addProgram(writer(), "test");
            pid = h.kernel.spawn(new SpawnSpec("writer", Args.of("limit", 5), "alice", 0, List.of("*"), null));
            ExitStatus s = h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(5, s.code(), s.reason());
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            List<JournalRecord> records = h.kernel.journaling.of(pid);
            assertEquals(JournalRecord.START, records.get(0).kind());
            assertEquals("writer", records.get(0).name());
            assertEquals(5, records.get(0).json().get("limit").asLong(), "the first state, which a replay starts from");
            List<String> calls = new ArrayList<>();
            for (JournalRecord r : records.subList(1, records.size() - 1)) {
                assertEquals(JournalRecord.RESULT, r.kind());
                assertEquals(calls.size() + 1, r.seq(), "numbered in call order");
                calls.add(r.name());
            }
            assertEquals(List.of("effect.append", "clock.now", "effect.append", "clock.now", "effect.append", "clock.now",
                    "effect.append", "clock.now", "effect.append", "clock.now"), calls);
            JournalRecord second = records.get(3);
            assertEquals(1, second.json().get("value").asLong(), "with the arguments");
            assertEquals(1, second.result().get("written").asLong(), "and the result");
            assertNull(second.errno());
            assertEquals(JournalRecord.EXIT, records.get(records.size() - 1).kind());
        }
    }

    @Test
    void aReplayRunsTheProgramAgainAgainstItsJournalAndSaysWhereAnotherVersionDiverges() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            EffectTool tool = new EffectTool(dir);
            h.kernel.addTool(tool, "test");
            h.kernel.addProgram(writer(), "test");
            long pid = h.kernel.spawn(new SpawnSpec("writer", Args.of("limit", 5), "alice", 0, List.of("*"), null));
            assertEquals(5, h.kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS).code());
            long written = lines(dir.resolve("invocations.log"));

            var same = h.kernel.replay.run(pid, null, 1000);
            assertTrue(same.identical(), same.toString());
            assertEquals(11, same.steps(), "five writes, five clock reads and the exit");
            assertEquals(10, same.calls());
            assertEquals("exited with code 5", same.outcome());
            assertEquals(written, lines(dir.resolve("invocations.log")), "a replay makes no call");

            // a new version that writes value + 1: the check before deploying it
            h.kernel.addProgram(TestPrograms.program("writer-v2", Writer.class, a -> new Writer(0, a.path("limit").asLong(), false),
                    (st, last) -> st.n() >= st.limit() ? Step.exit(st, 0)
                            : Step.call(new Writer(st.n() + 1, st.limit(), false), "effect.append", Args.of("value", st.n() + 1))), "test");
            var other = h.kernel.replay.run(pid, "writer-v2", 1000);
            assertTrue(!other.identical(), other.toString());
            assertEquals("step 1, journaled call 1: recorded effect.append {\"value\":0}, now effect.append {\"value\":1}",
                    other.divergence());

            // a live process: identical up to where it is
            h.kernel.addProgram(TestPrograms.sleeper(), "test");
            long live = h.kernel.spawn(new SpawnSpec("sleeper", Args.of("ms", 60_000), "alice", 0, List.of(), null));
            h.awaitState(live, org.agentos.kernel.api.process.ProcessState.BLOCKED);
            var now = h.kernel.replay.run(live, null, 1000);
            assertTrue(now.identical(), now.toString());
            assertTrue(now.outcome().startsWith("at the end of the journal, asking for proc.sleep"), now.outcome());

            org.agentos.kernel.api.syscall.SyscallException none = org.junit.jupiter.api.Assertions.assertThrows(
                    org.agentos.kernel.api.syscall.SyscallException.class, () -> h.kernel.replay.run(987_654, null, 10));
            assertEquals(org.agentos.kernel.api.syscall.Errno.ENOENT, none.errno());
        }
    }

    /** The child: runs writers with the effect tool until killed; checkpoints only at shutdown, which never comes. */
    public static final class Writers {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Kernel k = new Kernel(KernelHarness.HAL, KernelSettings.defaults(dir).withWorkers(2).withCheckpointMillis(0));
            k.setScheduler(new RoundRobinScheduler(), "test");
            k.addTool(new EffectTool(dir), "test");
            k.addProgram(writer(), "test");
            k.start();
            for (int i = 0; i < 8; i++) {
                k.spawn(new SpawnSpec("writer", Args.of("limit", 400), "alice", 0, List.of("*"), null));
            }
            k.checkpoints.checkpoint(); // the processes as spawned: all a crash leaves besides the journal
            Thread compactor = new Thread(() -> { // snapshots replace older records while the writers run
                while (true) {
                    k.journal.compactNow();
                    LockSupportSleep.millis(25);
                }
            });
            compactor.setDaemon(true);
            compactor.start();
            System.out.println("READY");
            System.out.flush();
            Thread.currentThread().join();
        }
    }

    @Test
    void afterKillMinus9EveryProcessGoesOnFromWhereItWasWithoutMakingItsCallsAgain() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Writers.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path invocations = dir.resolve("invocations.log");
        try {
            assertEquals("READY", new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines(invocations) < 1000 && System.nanoTime() < deadline) Thread.sleep(5);
            assertTrue(lines(invocations) >= 1000, "the writers made " + lines(invocations) + " calls in 60 s");
        } finally {
            new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        long before = lines(invocations);
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addTool(new EffectTool(dir), "test");
            h.kernel.addProgram(writer(), "test");
            List<Long> pids = new ArrayList<>();
            for (var p : h.kernel.list(Integer.MAX_VALUE)) if (p.program().equals("writer")) pids.add(p.pid());
            assertEquals(8, pids.size());
            for (long pid : pids) {
                ExitStatus s = h.kernel.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertEquals(400, s.code(), "pid " + pid + ": " + s.reason());
            }
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addTool(new EffectTool(dir), "test");
            h.kernel.addProgram(writer(), "test");
            long any = h.kernel.list(Integer.MAX_VALUE).stream().filter(p -> p.program().equals("writer")).findFirst()
                    .orElseThrow().pid();
            var replay = h.kernel.replay.run(any, null, 100_000);
            assertTrue(replay.identical() && replay.outcome().startsWith("exited with code 400"), replay.toString());
        }
        // Every value written once per writer, none skipped.
        Map<Long, TreeSet<Long>> values = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("effects.log"))) {
            String[] f = line.split(" ");
            assertTrue(values.computeIfAbsent(Long.parseLong(f[1]), x -> new TreeSet<>()).add(Long.parseLong(f[2])),
                    "written twice: " + line);
        }
        assertEquals(8, values.size());
        for (TreeSet<Long> v : values.values()) assertEquals(400, v.size());
        // Without the journal every call since the spawn would be made again (no checkpoint after it);
        // with it, at most the call each writer had in flight at the kill.
        Map<String, Integer> times = new HashMap<>();
        for (String id : Files.readAllLines(invocations)) times.merge(id, 1, Integer::sum);
        long repeated = times.values().stream().filter(n -> n > 1).count();
        assertTrue(repeated <= 8, repeated + " calls were made again after the restart (of " + before + " before it)");
        assertEquals(8 * 400, times.size());
    }

    /** Takes lock L of the persistent shared space "locks" (waiting as long as it takes), then sleeps a day holding it. */
    static org.agentos.kernel.api.program.Program<TestPrograms.Count> locker() {
        return TestPrograms.program("locker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0), (s, last) -> {
            if (s.n() == 0) return Step.call(new TestPrograms.Count(1, 0), "mem.lock", Args.of("space", "shared/locks", "name", "L"));
            if (s.n() == 1) {
                if (!last.isOk()) return Step.exit(s, 2, "mem.lock: " + last);
                return Step.call(new TestPrograms.Count(2, 0), "proc.sleep", Args.of("ms", 86_400_000));
            }
            return Step.exit(s, 0, "slept");
        });
    }

    static final List<String> LOCK_CAPS = List.of("mem:write:shared/locks");

    /** A memory manager keeping persistent spaces under dir/memory, with the shared space "locks" of alice. */
    static org.agentos.memory.hierarchical.HierarchicalMemory memory(Path dir) throws Exception {
        var m = org.agentos.memory.hierarchical.HierarchicalMemory.standalone(dir.resolve("memory"), 64L << 20, 1L << 30);
        try {
            m.share(org.agentos.kernel.api.memory.MemCaller.operator("root"), "locks",
                    new org.agentos.kernel.api.memory.SharedSpec(true, 0, java.util.Set.of("alice")));
        } catch (org.agentos.kernel.api.syscall.SyscallException exists) {
            // kept on disk from the run before the crash
        }
        return m;
    }

    /** The child: a locker holding L, a second one waiting for it; killed then. */
    public static final class Lockers {
        public static void main(String[] args) throws Exception {
            Kernel k = new Kernel(KernelHarness.HAL, KernelSettings.defaults(Path.of(args[0])).withWorkers(2).withCheckpointMillis(0));
            k.setScheduler(new RoundRobinScheduler(), "test");
            k.mem.bind(memory(Path.of(args[0])), "test");
            k.addProgram(locker(), "test");
            k.start();
            long holder = k.spawn(new SpawnSpec("locker", Args.none(), "alice", 0, LOCK_CAPS, null));
            KernelHarness.await("the holder to sleep", () -> {
                var i = k.info(holder).orElseThrow();
                if (i.exit() != null) throw new AssertionError("the holder ended: " + i.exit());
                return "proc.sleep".equals(i.waitingOn());
            });
            long waiter = k.spawn(new SpawnSpec("locker", Args.none(), "alice", 0, LOCK_CAPS, null));
            KernelHarness.await("the waiter to wait", () -> String.valueOf(k.info(waiter).orElseThrow().waitingOn()).contains("#L"));
            k.checkpoints.checkpoint(); // both as spawned: the lock is in no checkpoint, only in the journal
            k.journal.compactNow(); // and the holder's older records give way to a snapshot: its lock result stays
            System.out.println(holder + " " + waiter);
            System.out.flush();
            Thread.currentThread().join();
        }
    }

    @Test
    void aLockHeldAtAKillMinus9IsHeldByTheSameProcessAfterIt() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Lockers.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] pids;
        try {
            pids = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
                    .readLine().split(" ");
        } finally {
            new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        long holder = Long.parseLong(pids[0]);
        long waiter = Long.parseLong(pids[1]);
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addProgram(locker(), "test");
            h.kernel.mem.bind(memory(dir), "test");
            KernelHarness.await("the holder back in its sleep", () -> "proc.sleep".equals(h.info(holder).waitingOn()));
            KernelHarness.await("the waiter waiting for L again", () -> String.valueOf(h.info(waiter).waitingOn()).contains("#L"));
            Thread.sleep(200); // had the lock been free, the waiter would have taken it by now
            assertTrue(String.valueOf(h.info(waiter).waitingOn()).contains("#L"), "the waiter took the lock the holder held");
            h.kernel.kill(holder); // the holder's exit passes the lock on, as before the crash
            KernelHarness.await("the waiter to get L", () -> "proc.sleep".equals(h.info(waiter).waitingOn()));
        }
    }

    /** Sends {"value":1} to the durable queue "jobs", then sleeps a day. */
    static org.agentos.kernel.api.program.Program<TestPrograms.Count> sender() {
        return TestPrograms.program("sender", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0), (s, last) ->
                s.n() == 0 ? Step.call(new TestPrograms.Count(1, 0), "ipc.send", Args.of("queue", "jobs", "payload", Args.of("value", 1)))
                        : s.n() == 1 ? Step.call(new TestPrograms.Count(2, 0), "proc.sleep", Args.of("ms", 86_400_000))
                        : Step.exit(s, 0));
    }

    @Test
    void aDurableSendTheCrashCutIsAnsweredWithWhatItSentAndNotSentTwice() throws Exception {
        Path crashed = dir.resolve("crashed");
        long pid;
        try (KernelHarness h = new KernelHarness(KernelSettings.defaults(dir.resolve("live")).withWorkers(2).withCheckpointMillis(0))) {
            h.kernel.ipc.create(org.agentos.kernel.api.ipc.QueueSpec.builder("jobs")
                    .delivery(org.agentos.kernel.api.ipc.Delivery.AT_LEAST_ONCE).durable(true).build(), "alice");
            h.kernel.addProgram(sender(), "test");
            pid = h.kernel.spawn(new SpawnSpec("sender", Args.none(), "alice", 0, List.of("ipc:send:jobs"), null));
            h.kernel.checkpoints.checkpoint(); // as spawned: the send is in no checkpoint
            KernelHarness.await("the sender to sleep", () -> "proc.sleep".equals(h.info(pid).waitingOn()));
            // the disk as a kill -9 in the window would leave it: the send in the queue log, its result not in the journal
            copy(dir.resolve("live"), crashed);
        }
        Path journal = crashed.resolve("journal").resolve("calls.log");
        List<byte[]> kept = new ArrayList<>();
        org.agentos.kernel.api.journal.Journal.read(journal, b -> {
            if (!new String(b, StandardCharsets.UTF_8).contains("ipc.send")) kept.add(b);
        });
        org.agentos.kernel.api.journal.Journal.rewrite(journal, out -> {
            for (byte[] b : kept) out.add(b);
        });
        try (KernelHarness h = new KernelHarness(KernelSettings.defaults(crashed).withWorkers(2))) {
            h.kernel.addProgram(sender(), "test");
            KernelHarness.await("the sender to sleep again", () -> "proc.sleep".equals(h.info(pid).waitingOn()));
            List<org.agentos.kernel.api.ipc.Message> sent = h.kernel.ipc.peek("jobs", 10);
            assertEquals(1, sent.size(), "sent once: " + sent);
            List<JournalRecord> records = h.kernel.journaling.of(pid);
            JournalRecord send = records.stream().filter(r -> "ipc.send".equals(r.name())).findFirst().orElseThrow();
            assertEquals(sent.get(0).id(), send.result().get("ids").get(0).asLong(), "answered with the id it sent");
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t);
            }
        }
    }

    /** Sleeps without throwing, for the children's helper threads. */
    static final class LockSupportSleep {
        static void millis(long ms) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
        }
    }

    private static long lines(Path f) throws IOException {
        if (!Files.exists(f)) return 0;
        try (var s = Files.lines(f)) {
            return s.count();
        }
    }
}
