package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Persistent spaces: the log, replay, compaction, and a kill -9 in the middle of writes. */
class PersistenceTest {
    private static final MemCaller OP = MemCaller.operator("alice");

    @TempDir
    Path dir;

    private MemoryStore open() throws Exception {
        return new MemoryStore(MemorySettings.defaults(dir));
    }

    private static String textOf(MemoryStore m, String space, String key) throws SyscallException {
        return m.get(OP, space, key).json().get("text").asText();
    }

    @Test
    void aWriteMadeAgainByTheSameCallAfterACrashIsAnsweredNotWrittenTwice() throws Exception {
        MemCaller call7 = OP.withCall("42:7");
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0, Set.of()));
            assertEquals(1, done(m.put(call7, "shared/team", "n", text("one"))).version());
        }
        try (MemoryStore m = open()) {
            // the kernel never learned the result: the process makes the call again
            assertEquals(1, done(m.put(call7, "shared/team", "n", text("one"))).version(), "answered with the first write");
            assertEquals(1, m.get(OP, "shared/team", "n").info().version(), "written once");
            assertEquals(2, done(m.put(OP.withCall("42:8"), "shared/team", "n", text("two"))).version(), "another call writes");
            assertTrue(done(m.cas(OP.withCall("42:9"), "shared/team", "n", 2, text("three"))).swapped());
            assertTrue(done(m.cas(OP.withCall("42:9"), "shared/team", "n", 2, text("three"))).swapped(),
                    "a compare-and-set made again answers as the first time");
            assertEquals(3, m.get(OP, "shared/team", "n").info().version());
        }
    }

    @Test
    void aPersistentSharedSpaceIsThereAfterAReopen() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 1000, Set.of("bob")));
            done(m.put(OP, "shared/team", "a", text("one")));
            done(m.put(OP, "shared/team", "a", text("two")));
            done(m.put(OP, "shared/team", "b", MemWrite.blob(new byte[] {9, 8})));
            done(m.put(OP, "shared/team", "gone", text("x")));
            done(m.delete(OP, "shared/team", "gone"));
            done(m.cas(OP, "shared/team", "c", 0, text("cas")));
        }
        try (MemoryStore m = open()) {
            assertEquals("two", textOf(m, "shared/team", "a"));
            assertEquals(2, m.get(OP, "shared/team", "a").info().version());
            assertArrayEquals(new byte[] {9, 8}, m.get(OP, "shared/team", "b").blob());
            assertEquals("cas", textOf(m, "shared/team", "c"));
            assertEquals(Errno.ENOENT, assertThrows(SyscallException.class, () -> m.get(OP, "shared/team", "gone")).errno());
            assertEquals(1000, m.space("shared/team").orElseThrow().quotaBytes());
            assertTrue(m.space("shared/team").orElseThrow().persistent());
            assertEquals(1, m.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow().spaces());
            assertEquals(Set.of("bob"), m.space("shared/team").orElseThrow().members(), "who may reach it survives too");
        }
        try (MemoryStore m = open()) { // and the log compacted at the last open
            assertEquals(Set.of("bob"), m.space("shared/team").orElseThrow().members());
        }
    }

    @Test
    void aMemoryOnlySharedSpaceIsGoneAfterAReopen() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "tmp", new SharedSpec(false, 0));
            CompletionStage<?> w = m.put(OP, "shared/tmp", "a", text("x"));
            assertTrue(w.toCompletableFuture().isDone(), "a memory-only write completes at once");
        }
        try (MemoryStore m = open()) {
            assertTrue(m.space("shared/tmp").isEmpty());
        }
    }

    @Test
    void anAcknowledgedWriteIsInTheLogFile() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            done(m.put(OP, "shared/team", "k", text("v")));
            List<String> keys = new ArrayList<>();
            org.agentos.kernel.api.journal.Journal.read(dir.resolve("memory.log"),
                    r -> keys.add(MemoryStore.JSON.readTree(r).path("key").asText()));
            assertTrue(keys.contains("k"), keys.toString());
        }
    }

    @Test
    void aProcessRestoredAfterARestartFindsItsMemory() throws Exception {
        try (MemoryStore m = open()) {
            m.processStarted(7, "alice");
            done(m.put(proc(7, "alice"), "user/7", "state", text("step 3")));
        }
        try (MemoryStore m = open()) {
            m.processStarted(7, "alice");
            assertEquals("step 3", m.get(proc(7, "alice"), "user/7", "state").json().get("text").asText());
        }
    }

    @Test
    void userSpacesAreMemoryOnlyWhenConfigured() throws Exception {
        MemorySettings s = MemorySettings.defaults(dir).withUserSpaces(false, false);
        try (MemoryStore m = new MemoryStore(s)) {
            done(m.put(proc(7, "alice"), "user/7", "state", text("x")));
            assertFalse(m.space("user/7").orElseThrow().persistent());
        }
        try (MemoryStore m = new MemoryStore(s)) {
            assertTrue(m.space("user/7").isEmpty());
        }
    }

    @Test
    void anExitedProcessSpaceIsRemovedFromDiskToo() throws Exception {
        try (MemoryStore m = open()) {
            done(m.put(proc(7, "alice"), "user/7", "state", text("x")));
            m.processExited(7);
        }
        try (MemoryStore m = open()) {
            assertTrue(m.space("user/7").isEmpty());
        }
    }

    @Test
    void aDeletedSharedSpaceStaysDeleted() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            done(m.put(OP, "shared/team", "k", text("v")));
            m.deleteSpace(OP, "shared/team");
        }
        try (MemoryStore m = open()) {
            assertTrue(m.space("shared/team").isEmpty());
        }
    }

    @Test
    void aForkAndItsDivergenceSurviveAReopen() throws Exception {
        try (MemoryStore m = open()) {
            done(m.put(proc(1, "alice"), "user/1", "k", text("parent")));
            m.fork(1, 2, "alice");
            done(m.put(proc(2, "alice"), "user/2", "k", text("child")));
            done(m.put(proc(1, "alice"), "user/1", "only-parent", text("p")));
        }
        try (MemoryStore m = open()) {
            assertEquals("parent", textOf(m, "user/1", "k"));
            assertEquals("child", textOf(m, "user/2", "k"));
            assertTrue(m.space("user/2").orElseThrow().entries() == 1);
        }
    }

    @Test
    void systemIsPersistentWithADataDirectory() throws Exception {
        try (MemoryStore m = open()) {
            done(m.put(MemCaller.kernel(), "system", "boot", text("1")));
        }
        try (MemoryStore m = open()) {
            assertEquals("1", textOf(m, "system", "boot"));
        }
    }

    @Test
    void aTornTailIsCutAtOpenAndWritingGoesOn() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            done(m.put(OP, "shared/team", "k", text("v")));
        }
        Path log = dir.resolve("memory.log");
        long whole = Files.size(log);
        Files.write(log, new byte[] {0, 0, 1, 0, 42, 42, 42}, StandardOpenOption.APPEND); // a record cut short
        try (MemoryStore m = open()) {
            assertEquals("v", textOf(m, "shared/team", "k"));
            assertEquals(whole, Files.size(log), "the tail was cut and the log rewritten as it was");
            done(m.put(OP, "shared/team", "k2", text("after")));
        }
        try (MemoryStore m = open()) {
            assertEquals("after", textOf(m, "shared/team", "k2"));
        }
    }

    @Test
    void aCorruptRecordEndsTheLog() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            done(m.put(OP, "shared/team", "first", text("v")));
            done(m.put(OP, "shared/team", "last", text("zzzz")));
        }
        Path log = dir.resolve("memory.log");
        byte[] b = Files.readAllBytes(log);
        b[b.length - 3] ^= 0x55; // inside the last record's JSON: its CRC no longer matches
        Files.write(log, b);
        try (MemoryStore m = open()) {
            assertEquals("v", textOf(m, "shared/team", "first"));
            assertEquals(Errno.ENOENT, assertThrows(SyscallException.class, () -> m.get(OP, "shared/team", "last")).errno());
        }
    }

    @Test
    void theLogIsRewrittenCompactAtOpen() throws Exception {
        try (MemoryStore m = open()) {
            m.share(OP, "team", new SharedSpec(true, 0));
            for (int i = 0; i < 500; i++) m.put(OP, "shared/team", "k", text("value " + i));
            done(m.put(OP, "shared/team", "k", text("final")));
        }
        long grown = Files.size(dir.resolve("memory.log"));
        try (MemoryStore m = open()) {
            assertEquals("final", textOf(m, "shared/team", "k"));
            assertEquals(501, m.get(OP, "shared/team", "k").info().version());
        }
        assertTrue(Files.size(dir.resolve("memory.log")) * 20 < grown, "compacted from " + grown);
    }

    @Test
    void theLogIsCompactedWhileRunningWithoutLosingConcurrentWrites() throws Exception {
        MemorySettings s = MemorySettings.defaults(dir).withCompactMinBytes(64 << 10);
        int threads = 3;
        int perThread = 500;
        try (MemoryStore m = new MemoryStore(s)) {
            m.share(OP, "team", new SharedSpec(true, 0));
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread w = new Thread(() -> {
                    try {
                        CompletionStage<?> last = null;
                        for (int i = 0; i < perThread * 10; i++) {
                            last = m.put(OP, "shared/team", "hot-" + thread, text("v" + i)); // overwrites: garbage in the log
                            if (i % 10 == 0) m.put(OP, "shared/team", "k-" + thread + "-" + i / 10, text(thread + "/" + i / 10));
                        }
                        done(last);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                w.start();
                writers.add(w);
            }
            for (Thread w : writers) w.join(120_000);
            assertTrue(failures.isEmpty(), failures.toString());
            Mem.await("a compaction while running", () -> m.compactions() > 0 && !m.compacting());
        }
        try (MemoryStore m = new MemoryStore(s)) {
            for (int t = 0; t < threads; t++) {
                assertEquals("v" + (perThread * 10 - 1), textOf(m, "shared/team", "hot-" + t));
                for (int i = 0; i < perThread; i++) assertEquals(t + "/" + i, textOf(m, "shared/team", "k-" + t + "-" + i));
            }
        }
    }

    @Test
    void aCompactionWhileRunningKeepsPagedOutValues() throws Exception {
        MemorySettings s = MemorySettings.defaults(dir).withCompactMinBytes(16 << 10).withTokenBudget(10);
        MemCaller p = proc(3, "alice");
        try (MemoryStore m = new MemoryStore(s)) {
            for (int i = 0; i < 50; i++) done(m.put(p, "user/3", "w" + i, text("working " + i).working(5, null)));
            for (int i = 0; i < 2000 && m.compactions() == 0; i++) done(m.put(p, "user/3", "hot", text("x".repeat(100))));
            Mem.await("a compaction", () -> m.compactions() > 0 && !m.compacting());
            assertTrue(m.space("user/3").orElseThrow().pagedOut() >= 48);
        }
        try (MemoryStore m = new MemoryStore(s)) {
            for (int i = 0; i < 50; i++) assertEquals("working " + i, m.get(p, "user/3", "w" + i).json().get("text").asText());
        }
    }

    /** The child: puts to a persistent space from four threads until killed, one line per acknowledged put. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            MemoryStore m = new MemoryStore(MemorySettings.defaults(Path.of(args[0])));
            m.share(OP, "crash", new SharedSpec(true, 0));
            for (int t = 0; t < 4; t++) {
                int thread = t;
                new Thread(() -> {
                    for (int i = 0; ; i++) {
                        String key = thread + "-" + i;
                        try {
                            done(m.put(OP, "shared/crash", key, text("value " + key)));
                            synchronized (System.out) {
                                System.out.println("ACK " + key);
                                System.out.flush();
                            }
                        } catch (Exception e) {
                            System.err.println("put failed: " + e);
                            return;
                        }
                    }
                }).start();
            }
            Thread.currentThread().join();
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillMinus9() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; lines.size() < 2000 && (line = out.readLine()) != null; ) lines.add(line);
            assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            for (String line; (line = out.readLine()) != null; ) lines.add(line);
        }
        assertTrue(lines.size() >= 2000, "the child acknowledged " + lines.size() + " writes");
        try (MemoryStore m = open()) {
            for (String line : lines) {
                String key = line.substring("ACK ".length());
                assertEquals("value " + key, textOf(m, "shared/crash", key), "acknowledged write " + key);
            }
        }
    }
}
