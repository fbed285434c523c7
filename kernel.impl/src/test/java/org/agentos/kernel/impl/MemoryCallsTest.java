package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.resource.MemoryGovernor;
import org.agentos.memory.hierarchical.HierarchicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mem.* system calls and proc.fork through the kernel, on a real memory manager. */
class MemoryCallsTest {
    /** Results of the script program, by its "id" argument. */
    static final Map<String, List<SyscallResult>> RESULTS = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    KernelHarness h;
    Kernel k;

    @BeforeEach
    void start() throws Exception {
        RESULTS.clear();
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.mem.bind(HierarchicalMemory.standalone(null, 64L << 20, 1L << 30), "test");
        k.addProgram(script(), "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /**
     * Makes the calls listed in its "calls" argument one after the other, recording each result
     * under its "id"; exits 0 after the last.
     */
    static org.agentos.kernel.api.program.Program<JsonNode> script() {
        return TestPrograms.program("script", JsonNode.class, a -> ((ObjectNode) a.deepCopy()).put("i", 0), (s, last) -> {
            int i = s.get("i").asInt();
            if (last != null) RESULTS.computeIfAbsent(s.get("id").asText(), x -> new CopyOnWriteArrayList<>()).add(last);
            if (i >= s.get("calls").size()) return Step.exit(s, 0);
            JsonNode c = s.get("calls").get(i);
            return Step.call(((ObjectNode) s.deepCopy()).put("i", i + 1), c.get("syscall").asText(), c.get("args"));
        });
    }

    static ObjectNode call(String syscall, Object... args) {
        return Args.of("syscall", syscall, "args", Args.of(args));
    }

    long run(String id, String owner, List<String> caps, ObjectNode... calls) throws Exception {
        ArrayNode list = Args.none().arrayNode();
        for (ObjectNode c : calls) list.add(c);
        return k.spawn(new SpawnSpec("script", Args.of("id", id, "calls", list), owner, 0, caps, null));
    }

    List<SyscallResult> finished(String id, long pid) throws Exception {
        ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(0, s.code(), s.reason());
        return RESULTS.get(id);
    }

    @Test
    void aProcessKeepsValuesInItsOwnSpaceAndTheSpaceGoesWhenItExits() throws Exception {
        long pid = run("a", "alice", List.of(),
                call("mem.put", "key", "plan", "value", Args.of("step", 1)),
                call("mem.get", "key", "plan"),
                call("mem.list"));
        List<SyscallResult> r = finished("a", pid);
        assertTrue(r.get(0).isOk(), r.get(0).toString());
        assertEquals(1, r.get(0).value().get("version").asInt());
        assertEquals(1, r.get(1).value().get("value").get("step").asInt());
        assertEquals("plan", r.get(2).value().get("entries").get(0).get("key").asText());
        KernelHarness.await("user/" + pid + " freed", () -> k.mem.manager().space("user/" + pid).isEmpty());
    }

    @Test
    void agentsShareASegmentByCapabilityAndOthersAreDenied() throws Exception {
        long owner = run("owner", "alice", List.of("mem:share:team", "mem:write:shared/team"),
                call("mem.share", "name", "team", "members", Args.none().arrayNode().add("bob")),
                call("mem.put", "space", "shared/team", "key", "goal", "value", "ship it"));
        List<SyscallResult> w = finished("owner", owner);
        assertTrue(w.get(0).isOk() && w.get(1).isOk(), w.toString());
        long reader = run("reader", "bob", List.of("mem:read:shared/team"), call("mem.get", "space", "shared/team", "key", "goal"));
        assertEquals("ship it", finished("reader", reader).get(0).value().get("value").asText());
        long stranger = run("stranger", "eve", List.of(), call("mem.get", "space", "shared/team", "key", "goal"));
        SyscallResult denied = finished("stranger", stranger).get(0);
        assertEquals(Errno.EPERM, denied.errno());
        assertTrue(denied.message().contains("mem:read:shared/team"), denied.message());
        // the capability alone is not enough: eve's owner is not a member of alice's segment
        long outsider = run("outsider", "eve", List.of("mem:read:shared/team"), call("mem.get", "space", "shared/team", "key", "goal"));
        SyscallResult notMember = finished("outsider", outsider).get(0);
        assertEquals(Errno.EPERM, notMember.errno());
        assertTrue(notMember.message().contains("belongs to owner alice"), notMember.message());
    }

    @Test
    void aLockHolderMakesTheOthersWaitBlockedAndItsExitPassesTheLockOn() throws Exception {
        k.mem.manager().share(MemCaller.operator("root"), "locks", new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("alice")));
        List<String> caps = List.of("mem:write:shared/locks");
        long holder = run("holder", "alice", caps, call("mem.lock", "space", "shared/locks", "name", "l"),
                call("proc.sleep", "ms", 300));
        KernelHarness.await("the holder to hold it", () -> RESULTS.containsKey("holder"));
        long waiter = run("waiter", "alice", caps, call("mem.lock", "space", "shared/locks", "name", "l"),
                call("mem.unlock", "space", "shared/locks", "name", "l"));
        h.awaitState(waiter, ProcessState.BLOCKED);
        assertTrue(h.info(waiter).waitingOn().contains("shared/locks#l"), h.info(waiter).waitingOn());
        h.kernel.kill(holder); // its exit releases the lock and the waiter gets it
        List<SyscallResult> r = finished("waiter", waiter);
        assertTrue(r.get(0).isOk() && r.get(1).isOk(), r.toString());
    }

    @Test
    void aLockWaitEndsWithETIMEDOUTAndEAGAINWithATimeoutOfZero() throws Exception {
        k.mem.manager().share(MemCaller.operator("root"), "locks", new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("alice")));
        List<String> caps = List.of("mem:write:shared/locks");
        run("holder", "alice", caps, call("mem.lock", "space", "shared/locks", "name", "l"), call("proc.sleep", "ms", 10_000));
        KernelHarness.await("the holder to hold it", () -> RESULTS.containsKey("holder"));
        long w = run("w", "alice", caps, call("mem.lock", "space", "shared/locks", "name", "l", "timeoutMs", 50),
                call("mem.lock", "space", "shared/locks", "name", "l", "timeoutMs", 0));
        List<SyscallResult> r = finished("w", w);
        assertEquals(Errno.ETIMEDOUT, r.get(0).errno(), r.toString());
        assertEquals(Errno.EAGAIN, r.get(1).errno(), r.toString());
    }

    @Test
    void deletingASharedSpaceEndsTheWaitsOnItsLocksWithENOENT() throws Exception {
        k.mem.manager().share(MemCaller.operator("root"), "doomed", new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("alice")));
        List<String> caps = List.of("mem:write:shared/doomed");
        run("holder", "alice", caps, call("mem.lock", "space", "shared/doomed", "name", "l"), call("proc.sleep", "ms", 10_000));
        KernelHarness.await("the holder to hold it", () -> RESULTS.containsKey("holder"));
        long waiter = run("waiter", "alice", caps, call("mem.lock", "space", "shared/doomed", "name", "l"));
        h.awaitState(waiter, ProcessState.BLOCKED);
        k.mem.deleteSpace(MemCaller.operator("root"), "shared/doomed");
        SyscallResult r = finished("waiter", waiter).get(0);
        assertEquals(Errno.ENOENT, r.errno(), r.toString());
    }

    @Test
    void aRefusedCallLeavesTheGateSoASwapStillHappens() throws Exception {
        long pid = run("bad", "alice", List.of(), call("mem.unlock", "space", "nowhere", "name", "l"),
                call("mem.sem.release", "space", "nowhere", "name", "s"), call("mem.lock", "space", "nowhere", "name", "l"));
        List<SyscallResult> r = finished("bad", pid);
        for (SyscallResult x : r) assertEquals(Errno.EINVAL, x.errno(), x.toString());
        java.util.concurrent.CompletableFuture<String> swap = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return k.mem.bind(HierarchicalMemory.standalone(null, 64L << 20, 1L << 30), "test");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(swap.get(10, TimeUnit.SECONDS).contains("carried over"), "the swap did not wait for calls that had ended");
    }

    @Test
    void waitersQueuedWhileAWakeEmptiedTheQueueAreStillWoken() throws Exception {
        // many short lock/unlock rounds by several processes: a waiter added to a queue a wake had just
        // dropped from the map would wait for ever
        k.mem.manager().share(MemCaller.operator("root"), "busy", new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("alice")));
        k.addProgram(TestPrograms.program("locker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 400), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 1, last.toString());
            if (s.n() >= 2 * s.limit()) return Step.exit(s, 0);
            boolean lock = s.n() % 2 == 0;
            return Step.call(new TestPrograms.Count(s.n() + 1, s.limit()), lock ? "mem.lock" : "mem.unlock",
                    Args.of("space", "shared/busy", "name", "l"));
        }), "test");
        List<Long> pids = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pids.add(k.spawn(new SpawnSpec("locker", Args.none(), "alice", 0, List.of("mem:write:shared/busy"), null)));
        }
        for (long pid : pids) {
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
        }
    }

    /** Counts the processes inside the critical section of the semaphore test. */
    static final AtomicInteger INSIDE = new AtomicInteger();
    static final AtomicInteger MOST_INSIDE = new AtomicInteger();

    @Test
    void aSemaphoreLetsAtMostItsPermitsInAndEveryoneGetsATurn() throws Exception {
        INSIDE.set(0);
        MOST_INSIDE.set(0);
        k.mem.manager().share(MemCaller.operator("root"), "pool", new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("alice")));
        k.addProgram(TestPrograms.program("worker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0), (s, last) -> {
            switch ((int) s.n()) {
                case 0: return Step.call(new TestPrograms.Count(1, 0), "mem.sem.acquire",
                        Args.of("space", "shared/pool", "name", "slots", "initial", 3));
                case 1:
                    if (!last.isOk()) return Step.exit(s, 1, last.toString());
                    MOST_INSIDE.accumulateAndGet(INSIDE.incrementAndGet(), Math::max);
                    return Step.call(new TestPrograms.Count(2, 0), "proc.sleep", Args.of("ms", 5));
                case 2:
                    INSIDE.decrementAndGet();
                    return Step.call(new TestPrograms.Count(3, 0), "mem.sem.release", Args.of("space", "shared/pool", "name", "slots"));
                default: return Step.exit(s, last.isOk() ? 0 : 2, last.toString());
            }
        }), "test");
        List<Long> pids = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            pids.add(k.spawn(new SpawnSpec("worker", Args.none(), "alice", 0, List.of("mem:write:shared/pool"), null)));
        }
        for (long pid : pids) {
            ExitStatus s = k.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
        }
        assertTrue(MOST_INSIDE.get() <= 3, MOST_INSIDE.get() + " were inside at once");
        assertEquals(3, MOST_INSIDE.get(), "the three permits were used");
    }

    @Test
    void aForkedChildStartsWithItsParentsMemoryAndTheyDivergeAfterwards() throws Exception {
        Map<String, JsonNode> seen = new ConcurrentHashMap<>();
        k.addProgram(TestPrograms.program("forker", TestPrograms.Count.class, a -> new TestPrograms.Count(0, 0), (s, last) -> {
            switch ((int) s.n()) {
                case 0: return Step.call(new TestPrograms.Count(1, 0), "mem.put", Args.of("key", "x", "value", 1));
                case 1: return Step.call(new TestPrograms.Count(2, 0), "proc.fork", Args.none());
                case 2: {
                    boolean child = last.value().get("pid").asLong() == 0;
                    return Step.call(new TestPrograms.Count(child ? 10 : 20, 0), "mem.get", Args.of("key", "x"));
                }
                case 10: // the child: sees 1, writes 2
                    seen.put("child-before", last.value().get("value"));
                    return Step.call(new TestPrograms.Count(11, 0), "mem.put", Args.of("key", "x", "value", 2));
                case 11: return Step.call(new TestPrograms.Count(12, 0), "mem.get", Args.of("key", "x"));
                case 12:
                    seen.put("child-after", last.value().get("value"));
                    return Step.exit(s, 0);
                case 20: // the parent: waits for the child, then still sees 1
                    seen.put("parent-before", last.value().get("value"));
                    return Step.call(new TestPrograms.Count(21, 0), "proc.wait", Args.of("pid", -1));
                case 21: return Step.call(new TestPrograms.Count(22, 0), "mem.get", Args.of("key", "x"));
                default:
                    seen.put("parent-after", last.value().get("value"));
                    return Step.exit(s, 0);
            }
        }), "test");
        long parent = k.spawn(new SpawnSpec("forker", Args.none(), "alice", 0, List.of("proc:spawn"), null));
        ExitStatus s = k.awaitExit(parent).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(0, s.code(), s.reason());
        assertEquals(1, seen.get("child-before").asInt(), "the child starts with its parent's memory");
        assertEquals(2, seen.get("child-after").asInt());
        assertEquals(1, seen.get("parent-before").asInt());
        assertEquals(1, seen.get("parent-after").asInt(), "the parent does not see the child's write");
    }

    @Test
    void withNoMemoryManagerACallWaitsAndIsMadeWhenOneBinds() throws Exception {
        MemoryManager m = k.mem.manager();
        k.mem.bind(null, null);
        long pid = run("late", "alice", List.of(), call("mem.put", "key", "k", "value", "v"), call("mem.get", "key", "k"));
        h.awaitState(pid, ProcessState.BLOCKED);
        assertTrue(h.info(pid).waitingOn().contains("waiting for a memory manager"), h.info(pid).waitingOn());
        k.mem.bind(m, "test");
        List<SyscallResult> r = finished("late", pid);
        assertEquals("v", r.get(1).value().get("value").asText(), r.toString());
    }

    @Test
    void aSwapUnderLoadCarriesEveryEntryOver() throws Exception {
        int n = 300;
        k.addProgram(TestPrograms.program("writer", TestPrograms.Count.class, a -> new TestPrograms.Count(0, a.get("n").asLong()),
                (s, last) -> {
                    if (last != null && !last.isOk()) return Step.exit(s, 1, last.toString());
                    if (s.n() >= s.limit()) return Step.call(s, "proc.sleep", Args.of("ms", 60_000)); // done: stay, keep the space
                    return Step.call(new TestPrograms.Count(s.n() + 1, s.limit()), "mem.put", Args.of("key", "k" + s.n(), "value", s.n()));
                }), "test");
        List<Long> pids = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) pids.add(k.spawn(new SpawnSpec("writer", Args.of("n", n), "alice", 0, List.of(), null)));
        int swaps = 0;
        java.util.function.BooleanSupplier done = () -> pids.stream()
                .allMatch(pid -> h.info(pid).waitingOn() != null && h.info(pid).waitingOn().startsWith("proc.sleep"));
        java.util.function.LongSupplier made = () -> pids.stream().mapToLong(pid -> h.info(pid).usage().syscalls()).sum();
        while (!done.getAsBoolean()) {
            long before = made.getAsLong();
            k.mem.bind(HierarchicalMemory.standalone(null, 64L << 20, 1L << 30), "test");
            swaps++;
            // the next swap only once the writers went on: a loop of swaps alone could starve them on 2 cores
            KernelHarness.await("the writers to go on after swap " + swaps, () -> made.getAsLong() > before || done.getAsBoolean());
            for (long pid : pids) assertTrue(h.info(pid).state() != ProcessState.KILLED && h.info(pid).exit() == null,
                    "a writer failed: " + h.info(pid).exit());
        }
        assertTrue(swaps >= 2, "swapped while they wrote: " + swaps);
        MemoryManager last = k.mem.manager();
        for (long pid : pids) {
            for (int i = 0; i < n; i++) {
                assertEquals(i, last.get(MemCaller.operator("root"), "user/" + pid, "k" + i).json().asInt(), "user/" + pid + " k" + i);
            }
        }
        assertTrue(k.mem.lastSwap().contains("spaces carried over"), k.mem.lastSwap());
    }

    @Test
    void memoryPressurePagesOutContextWindowsOfIdleProcessesFirst() throws Exception {
        k.memory.setPolicy(new MemoryGovernor.Policy(60_000, 0.85, 0.95, 0.75, 10, 20)); // only evaluate() moves it
        String text = "words ".repeat(200); // ~1.2 KB, ~300 tokens
        ObjectNode[] puts = new ObjectNode[11];
        for (int i = 0; i < 10; i++) puts[i] = call("mem.put", "key", "note" + i, "value", text + i, "working", true);
        puts[10] = call("proc.sleep", "ms", 60_000);
        ArrayNode list = Args.none().arrayNode();
        for (ObjectNode c : puts) list.add(c);
        long idle = k.spawn(new SpawnSpec("script", Args.of("id", "idle", "calls", list), "alice", 0, List.of(), null,
                org.agentos.kernel.api.sched.SchedClass.IDLE));
        long normal = k.spawn(new SpawnSpec("script", Args.of("id", "normal", "calls", list), "alice", 0, List.of(), null));
        KernelHarness.await("both to have written", () -> RESULTS.getOrDefault("idle", List.of()).size() == 10
                && RESULTS.getOrDefault("normal", List.of()).size() == 10);
        MemoryManager m = k.mem.manager();
        assertEquals(0, m.space("user/" + idle).orElseThrow().pagedOut());
        // HIGH at 85% of 100 KB: down to 75% is 10 KB to free, which the idle process's 12 KB of notes cover
        k.memory.evaluate(org.agentos.kernel.api.hal.MemoryStatus.of(85_000, 100_000, -1, -1));
        assertTrue(m.space("user/" + idle).orElseThrow().pagedOut() > 0, "the idle process's notes were paged out");
        assertEquals(0, m.space("user/" + normal).orElseThrow().pagedOut(), "the normal process was spared");
        assertTrue(k.mem.manager().get(MemCaller.operator("root"), "user/" + idle, "note0").json().asText().startsWith("words"),
                "nothing was lost: a paged-out note comes back");
    }

    @Test
    void aManagerBoundForAMomentAtBootDoesNotWipeWhatTheNextKeptOnDisk() throws Exception {
        HierarchicalMemory first = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        first.share(MemCaller.operator("root"), "kept", new org.agentos.kernel.api.memory.SharedSpec(true, 0));
        first.put(MemCaller.operator("root"), "shared/kept", "k", org.agentos.kernel.api.memory.MemWrite.json(Args.of("v", 1)))
                .toCompletableFuture().get();
        first.close();
        k.mem.bind(org.agentos.memory.heap.HeapMemory.standalone(), "test"); // the in-heap one came up first, nobody used it
        HierarchicalMemory reopened = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        k.mem.bind(reopened, "test");
        assertEquals(1, k.mem.manager().get(MemCaller.operator("root"), "shared/kept", "k").json().get("v").asInt(),
                "the persistent space is still there");
        reopened.close();
    }

    @Test
    void aSwapToTheHeapManagerAndBackKeepsEverySpaceAndItsPersistence() throws Exception {
        HierarchicalMemory onDisk = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        k.mem.bind(onDisk, "test");
        long pid = run("w", "alice", List.of("mem:share:docs", "mem:*:shared/docs"),
                call("mem.share", "name", "docs", "persistent", true),
                call("mem.put", "space", "shared/docs", "key", "a", "value", "one"));
        assertTrue(finished("w", pid).get(1).isOk());
        k.mem.bind(org.agentos.memory.heap.HeapMemory.standalone(), "test");
        assertEquals("heap", k.mem.manager().name());
        long pid2 = run("w2", "alice", List.of("mem:*:shared/docs"), call("mem.put", "space", "shared/docs", "key", "b", "value", "two"));
        assertTrue(finished("w2", pid2).get(0).isOk());
        k.mem.bind(onDisk, "test");
        assertTrue(k.mem.manager().space("shared/docs").orElseThrow().persistent(), "persistent again after the round trip");
        assertEquals("two", k.mem.manager().get(MemCaller.operator("root"), "shared/docs", "b").json().asText(),
                "the write made while heap was bound came back");
        onDisk.close();
        HierarchicalMemory reopened = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        assertEquals("two", reopened.get(MemCaller.operator("root"), "shared/docs", "b").json().asText(), "and it is on disk");
        reopened.close();
    }

    @Test
    void aPersistentPutWaitsForTheDiskAndIsThereAfterARestartOfTheManager() throws Exception {
        HierarchicalMemory onDisk = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        k.mem.bind(onDisk, "test");
        long pid = run("p", "alice", List.of("mem:share:notes", "mem:write:shared/notes"),
                call("mem.share", "name", "notes", "persistent", true),
                call("mem.put", "space", "shared/notes", "key", "n1", "value", "kept"));
        List<SyscallResult> r = finished("p", pid);
        assertTrue(r.get(1).isOk(), r.toString());
        k.mem.bind(null, null); // the manager leaves; its state stays with the kernel
        onDisk.close();
        HierarchicalMemory reopened = HierarchicalMemory.standalone(dir, 64L << 20, 1L << 30);
        assertEquals("kept", reopened.get(MemCaller.operator("root"), "shared/notes", "n1").json().asText(),
                "on disk: a new manager on the same directory finds it");
        reopened.close();
    }
}
