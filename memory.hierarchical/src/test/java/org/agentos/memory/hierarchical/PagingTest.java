package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.lucene.codecs.Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The context window as virtual memory: budget, LRU page-out, page-in on get, recall, reclaim. */
class PagingTest {
    private final MemCaller p1 = proc(1, "alice");

    @TempDir
    Path dir;

    private static MemoryStore budget(Path dir, long tokens) throws Exception {
        return new MemoryStore(MemorySettings.defaults(dir).withTokenBudget(tokens));
    }

    private Map<String, Boolean> residency(MemoryStore m) throws SyscallException {
        return m.list(p1, "user/1", "", null, 100).entries().stream()
                .collect(Collectors.toMap(EntryInfo::key, EntryInfo::resident));
    }

    @Test
    void workingEntriesBeyondTheBudgetArePagedOutLeastRecentlyUsedFirst() throws Exception {
        try (MemoryStore m = budget(null, 100)) {
            done(m.put(p1, "user/1", "a", text("alpha").working(40, "about alpha")));
            done(m.put(p1, "user/1", "b", text("beta").working(40, null)));
            done(m.put(p1, "user/1", "c", text("gamma").working(40, null)));
            assertEquals(Map.of("a", false, "b", true, "c", true), residency(m));
            SpaceInfo s = m.space("user/1").orElseThrow();
            assertEquals(80, s.residentTokens());
            assertEquals(1, s.pagedOut());
            assertEquals(3, s.entries());
        }
    }

    @Test
    void plainEntriesAreNeverPagedOut() throws Exception {
        try (MemoryStore m = budget(null, 10)) {
            done(m.put(p1, "user/1", "plain", text("x".repeat(1000))));
            done(m.put(p1, "user/1", "w", text("y").working(8, null)));
            assertEquals(Map.of("plain", true, "w", true), residency(m));
        }
    }

    @Test
    void getOfAPagedOutEntryPagesItBackInAndAnotherOut() throws Exception {
        try (MemoryStore m = budget(null, 100)) {
            done(m.put(p1, "user/1", "a", text("alpha").working(40, null)));
            done(m.put(p1, "user/1", "b", text("beta").working(40, null)));
            done(m.put(p1, "user/1", "c", text("gamma").working(40, null)));
            MemEntry a = m.get(p1, "user/1", "a");
            assertEquals("alpha", a.json().get("text").asText());
            assertTrue(a.info().resident());
            assertEquals(Map.of("a", true, "b", false, "c", true), residency(m));
        }
    }

    @Test
    void aGetMakesAnEntryMostRecentlyUsed() throws Exception {
        try (MemoryStore m = budget(null, 100)) {
            done(m.put(p1, "user/1", "a", text("alpha").working(40, null)));
            done(m.put(p1, "user/1", "b", text("beta").working(40, null)));
            m.get(p1, "user/1", "a");
            done(m.put(p1, "user/1", "c", text("gamma").working(40, null)));
            assertEquals(Map.of("a", true, "b", false, "c", true), residency(m));
            assertEquals(List.of("a", "c"), m.window("user/1"));
        }
    }

    @Test
    void tokensAreEstimatedAsFourCharactersEachWhenNotGiven() throws Exception {
        try (MemoryStore m = budget(null, 0)) {
            EntryInfo i = done(m.put(p1, "user/1", "a", MemWrite.json(Mem.node("x".repeat(390))).working(0, null)));
            assertEquals((390 + 11 + 3) / 4, i.tokens()); // {"text":"..."} is 401 characters
        }
    }

    @Test
    void loweringTheBudgetPagesOutAtOnce() throws Exception {
        try (MemoryStore m = budget(null, 0)) {
            for (String k : List.of("a", "b", "c")) done(m.put(p1, "user/1", k, text(k).working(10, null)));
            m.setTokenBudget(1, 15);
            assertEquals(Map.of("a", false, "b", false, "c", true), residency(m));
            assertEquals(15, m.space("user/1").orElseThrow().tokenBudget());
        }
    }

    @Test
    void recallPagesInTheBestMatchingArchivedEntries() throws Exception {
        try (MemoryStore m = budget(null, 20)) {
            done(m.put(p1, "user/1", "zoo", text("the giraffe ate leaves at the zoo").working(10, null)));
            done(m.put(p1, "user/1", "car", text("a red car on the road").working(10, null)));
            done(m.put(p1, "user/1", "tall", text("giraffe giraffe necks are tall").working(10, null)));
            done(m.put(p1, "user/1", "now1", text("current work").working(10, null)));
            done(m.put(p1, "user/1", "now2", text("more current work").working(10, null)));
            assertEquals(3, m.space("user/1").orElseThrow().pagedOut());
            List<MemEntry> got = m.recall(p1, "giraffe", 1);
            assertEquals(List.of("tall"), got.stream().map(e -> e.info().key()).toList());
            assertTrue(got.get(0).info().resident());
            assertEquals("giraffe giraffe necks are tall", got.get(0).json().get("text").asText());
            assertTrue(residency(m).get("tall"));
            assertFalse(residency(m).get("zoo"));
            assertEquals(20, m.space("user/1").orElseThrow().residentTokens(), "recall paged another out to stay in budget");
        }
    }

    @Test
    void recallFindsOnlyTheCallersOwnArchivedEntries() throws Exception {
        try (MemoryStore m = budget(null, 10)) {
            MemCaller p2 = proc(2, "bob");
            done(m.put(p2, "user/2", "secret", text("giraffe plans").working(10, null)));
            done(m.put(p2, "user/2", "next", text("other").working(10, null)));
            done(m.put(p1, "user/1", "mine", text("nothing here").working(10, null)));
            done(m.put(p1, "user/1", "next", text("other").working(10, null)));
            assertTrue(m.recall(p1, "giraffe", 5).isEmpty());
            assertEquals(1, m.recall(p2, "giraffe", 5).size());
        }
    }

    @Test
    void recallIsForProcesses() {
        try (MemoryStore m = Mem.memoryOnly()) {
            assertEquals(Errno.EINVAL, assertThrows(SyscallException.class,
                    () -> m.recall(MemCaller.operator("op"), "x", 1)).errno());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pagingWorksWithTheArchiveOnDisk() throws Exception {
        try (MemoryStore m = budget(dir, 10)) {
            done(m.put(p1, "user/1", "blob", MemWrite.blob(new byte[] {1, 2, 3}).working(10, "bytes")));
            done(m.put(p1, "user/1", "doc", text("words about llamas").working(10, null)));
            assertFalse(residency(m).get("blob"));
            assertArrayEquals(new byte[] {1, 2, 3}, m.get(p1, "user/1", "blob").blob());
            assertEquals("llamas", m.recall(p1, "llamas", 3).get(0).json().get("text").asText().split(" ")[2]);
        }
    }

    @Test
    void aPagedOutEntryOfAPersistentSpaceIsThereAfterAReopen() throws Exception {
        try (MemoryStore m = budget(dir, 10)) {
            done(m.put(p1, "user/1", "old", text("old one").working(10, null)));
            done(m.put(p1, "user/1", "new", text("new one").working(10, null)));
            assertFalse(residency(m).get("old"));
        }
        try (MemoryStore m = budget(dir, 10)) {
            assertEquals("old one", m.get(p1, "user/1", "old").json().get("text").asText());
            assertEquals(1, m.space("user/1").orElseThrow().pagedOut(), "the budget holds after a reopen");
        }
    }

    @Test
    void aForkedChildPagesInAnEntryArchivedByItsParent() throws Exception {
        try (MemoryStore m = budget(null, 10)) {
            done(m.put(p1, "user/1", "a", text("from the parent").working(10, null)));
            done(m.put(p1, "user/1", "b", text("b").working(10, null)));
            m.fork(1, 2, "alice");
            assertEquals("from the parent", m.get(proc(2, "alice"), "user/2", "a").json().get("text").asText());
            assertFalse(residency(m).get("a"), "the parent's copy stays paged out");
        }
    }

    @Test
    void reclaimPagesOutVictimsInOrderUntilEnoughIsFreed() throws Exception {
        try (MemoryStore m = budget(null, 0)) {
            MemCaller p2 = proc(2, "bob");
            for (int i = 0; i < 3; i++) done(m.put(p2, "user/2", "w" + i, MemWrite.blob(new byte[100]).working(1, null)));
            for (int i = 0; i < 3; i++) done(m.put(p1, "user/1", "w" + i, MemWrite.blob(new byte[100]).working(1, null)));
            done(m.put(p1, "user/1", "plain", MemWrite.blob(new byte[1000])));
            long freed = m.reclaim(350, List.of(2L, 1L));
            assertEquals(400, freed);
            assertEquals(3, m.space("user/2").orElseThrow().pagedOut());
            assertEquals(1, m.space("user/1").orElseThrow().pagedOut());
            assertEquals(1200, m.space("user/1").orElseThrow().bytes());
            assertEquals(100, m.get(p2, "user/2", "w0").blob().length, "nothing was dropped");
        }
    }

    @Test
    void reclaimOfProcessesWithoutWorkingEntriesFreesNothing() throws Exception {
        try (MemoryStore m = budget(null, 0)) {
            done(m.put(p1, "user/1", "plain", MemWrite.blob(new byte[1000])));
            assertEquals(0, m.reclaim(100, List.of(1L, 99L)));
        }
    }

    @Test
    void luceneLoadsItsCodecThroughServiceFiles() {
        assertTrue(Codec.getDefault().getName().startsWith("Lucene"));
        assertEquals(Codec.getDefault().getName(), Codec.forName(Codec.getDefault().getName()).getName());
    }
}
