package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calls from several threads at once: per-space write locks, lock-free reads, the log's order. */
class ConcurrencyTest {
    private static final MemCaller OP = MemCaller.operator("alice");
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    private MemoryStore open() throws Exception {
        return new MemoryStore(MemorySettings.defaults(dir));
    }

    /** Every space's entries as key, version and value: what a reopen must reproduce exactly. */
    private static Map<String, Map<String, String>> contents(MemoryStore m) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (MemoryState.Space s : m.exportState().spaces()) {
            Map<String, String> entries = new TreeMap<>();
            for (MemEntry e : s.entries()) {
                entries.put(e.info().key(), e.info().version() + " " + e.info().bytes() + " "
                        + (e.json() != null ? e.json().toString() : java.util.Arrays.toString(e.blob())));
            }
            out.put(s.name() + " of " + s.owner(), entries);
        }
        return out;
    }

    /** Runs {@code n} tasks at once and rethrows the first failure. */
    private void all(int n, java.util.function.IntFunction<Callable<Object>> task) throws Exception {
        List<Future<Object>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) fs.add(pool.submit(task.apply(i)));
        for (Future<Object> f : fs) f.get(60, TimeUnit.SECONDS);
    }

    @Test
    void concurrentPutsToOneSpaceAreAllAppliedAndAReopenReproducesThem() throws Exception {
        Map<String, Map<String, String>> before;
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            all(THREADS, t -> () -> {
                List<CompletionStage<?>> acks = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    // overlapping keys: several threads rewrite the same ones, versions must not be lost
                    acks.add(m.put(OP, "shared/team", "k" + (i % 50), text("t" + t + " i" + i)));
                    if (i % 7 == 0) acks.add(m.delete(OP, "shared/team", "k" + ((i + 3) % 50)));
                }
                for (CompletionStage<?> a : acks) done(a);
                return null;
            });
            before = contents(m);
            long versions = 0;
            for (var e : m.list(OP, "shared/team", "", null, 100).entries()) versions += e.version();
            assertTrue(versions > 0);
        }
        try (MemoryStore m = open()) {
            assertEquals(before, contents(m));
        }
    }

    @Test
    void everyPutGetsItsOwnVersionWhenThreadsRewriteOneKey() throws Exception {
        try (MemoryStore m = Mem.memoryOnly()) {
            m.share(OP, "team", new SharedSpec(false, 0));
            all(THREADS, t -> () -> {
                for (int i = 0; i < 1000; i++) done(m.put(OP, "shared/team", "k", text("x")));
                return null;
            });
            assertEquals(THREADS * 1000L, m.get(OP, "shared/team", "k").info().version());
        }
    }

    @Test
    void concurrentPutsToManySpacesAndAReopenReproduceThem() throws Exception {
        Map<String, Map<String, String>> before;
        try (MemoryStore m = open()) {
            all(THREADS, t -> () -> {
                MemCaller p = proc(t + 1, "alice");
                List<CompletionStage<?>> acks = new ArrayList<>();
                for (int i = 0; i < 500; i++) acks.add(m.put(p, "user/" + (t + 1), "k" + (i % 64), text("v" + i)));
                for (CompletionStage<?> a : acks) done(a);
                return null;
            });
            before = contents(m);
            for (int t = 1; t <= THREADS; t++) assertEquals(64, m.space("user/" + t).orElseThrow().entries());
            long charged = 0;
            for (MemoryState.Space s : m.exportState().spaces()) {
                if (!s.name().startsWith("user/")) continue;
                for (MemEntry e : s.entries()) charged += org.agentos.kernel.api.memory.MemKey.charge(e.info().key(), e.info().bytes());
            }
            assertEquals(m.usage().get(0).bytes(), charged, "the owner's bytes are what its entries are charged");
        }
        try (MemoryStore m = open()) {
            assertEquals(before, contents(m));
        }
    }

    @Test
    void forksWhileTheParentWritesReplayToTheSameState() throws Exception {
        Map<String, Map<String, String>> before;
        try (MemoryStore m = open()) {
            MemCaller parent = proc(1, "alice");
            done(m.put(parent, "user/1", "k0", text("start")));
            AtomicBoolean forking = new AtomicBoolean(true);
            Future<Object> writer = pool.submit(() -> {
                List<CompletionStage<?>> acks = new ArrayList<>();
                for (int i = 0; forking.get() || i < 200; i++) acks.add(m.put(parent, "user/1", "k" + (i % 32), text("p" + i)));
                for (CompletionStage<?> a : acks) done(a);
                return null;
            });
            List<Future<Object>> children = new ArrayList<>();
            for (int c = 2; c < 40; c++) {
                m.fork(1, c, "alice");
                MemCaller child = proc(c, "alice");
                int n = c;
                // each child writes its own space while the parent goes on
                children.add(pool.submit(() -> done(m.put(child, "user/" + n, "mine", text("child " + n)))));
            }
            forking.set(false);
            writer.get(60, TimeUnit.SECONDS);
            for (Future<Object> f : children) f.get(60, TimeUnit.SECONDS);
            before = contents(m);
            for (int c = 2; c < 40; c++) {
                assertEquals("child " + c, m.get(OP, "user/" + c, "mine").json().get("text").asText());
                assertTrue(m.space("user/" + c).orElseThrow().entries() >= 2, "the child has a copy of the parent's entries");
            }
        }
        try (MemoryStore m = open()) {
            assertEquals(before, contents(m));
        }
    }

    @Test
    void aForkCopiesAWholeVersionOfTheParentWhileItWrites() throws Exception {
        try (MemoryStore m = Mem.memoryOnly()) {
            MemCaller parent = proc(1, "alice");
            // the parent keeps a and b equal, writing a then b; a fork sees a == b or a one ahead
            done(m.put(parent, "user/1", "a", text("0")));
            done(m.put(parent, "user/1", "b", text("0")));
            AtomicBoolean go = new AtomicBoolean(true);
            Future<Object> writer = pool.submit(() -> {
                for (int i = 1; go.get(); i++) {
                    done(m.put(parent, "user/1", "a", text(Integer.toString(i))));
                    done(m.put(parent, "user/1", "b", text(Integer.toString(i))));
                }
                return null;
            });
            for (int c = 2; c < 300; c++) {
                m.fork(1, c, "alice");
                int a = Integer.parseInt(m.get(OP, "user/" + c, "a").json().get("text").asText());
                int b = Integer.parseInt(m.get(OP, "user/" + c, "b").json().get("text").asText());
                assertTrue(a == b || a == b + 1, "a=" + a + " b=" + b);
                m.processExited(c);
            }
            go.set(false);
            writer.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void readsWhileWritingSeeWholeEntries() throws Exception {
        try (MemoryStore m = Mem.memoryOnly()) {
            m.share(OP, "team", new SharedSpec(false, 0));
            done(m.put(OP, "shared/team", "k", text("v1")));
            AtomicBoolean go = new AtomicBoolean(true);
            Future<Object> writer = pool.submit(() -> {
                for (int i = 2; go.get(); i++) done(m.put(OP, "shared/team", "k", text("v" + i)));
                return null;
            });
            long last = 0;
            for (int i = 0; i < 20_000; i++) {
                MemEntry e = m.get(OP, "shared/team", "k");
                assertEquals("v" + e.info().version(), e.json().get("text").asText(), "the value is the version's");
                assertTrue(e.info().version() >= last, "versions never go back");
                last = e.info().version();
            }
            go.set(false);
            writer.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOwnersQuotaHoldsAcrossSpacesWrittenAtOnce() throws Exception {
        long quota = 170 * org.agentos.kernel.api.memory.MemKey.charge("k000", 50); // keys of one width: it fills exactly
        try (MemoryStore m = new MemoryStore(MemorySettings.defaults(null).withOwnerQuota(quota, Map.of()))) {
            AtomicLong refused = new AtomicLong();
            all(THREADS, t -> () -> {
                MemCaller p = proc(t + 1, "alice");
                for (int i = 0; i < 500; i++) {
                    try {
                        done(m.put(p, "user/" + (t + 1), String.format("k%03d", i), MemWrite.blob(new byte[50])));
                    } catch (SyscallException e) {
                        assertEquals(Errno.EQUOTA, e.errno());
                        refused.incrementAndGet();
                    }
                }
                return null;
            });
            assertTrue(refused.get() > 0);
            assertEquals(quota, m.usage().get(0).bytes(), "filled to the quota exactly, never beyond");
        }
    }
}
