package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.Errno;
import org.junit.jupiter.api.Test;

/** The context window: a token budget, LRU paging to the in-heap archive, recall, reclaim. */
class PagingTest {
    private final MemCaller p1 = proc(1, "alice");
    private final HeapMemory m = HeapMemory.standalone();

    private void working(String key, String text, int tokens) throws Exception {
        done(m.put(p1, "user/1", key, text(text).working(tokens, "summary of " + key)));
    }

    @Test
    void workingEntriesBeyondTheBudgetArePagedOutLeastRecentlyUsedFirst() throws Exception {
        m.setTokenBudget(1, 10);
        working("a", "one", 4);
        working("b", "two", 4);
        working("c", "three", 4);
        assertEquals(List.of("b", "c"), m.window("user/1"));
        SpaceInfo s = m.space("user/1").orElseThrow();
        assertEquals(8, s.residentTokens());
        assertEquals(1, s.pagedOut());
        assertEquals(3, s.entries());
        EntryInfo a = m.list(p1, "user/1", "a", null, 1).entries().get(0);
        assertFalse(a.resident());
        assertEquals("summary of a", a.summary());
    }

    @Test
    void plainEntriesAreNeverPagedOut() throws Exception {
        m.setTokenBudget(1, 1);
        done(m.put(p1, "user/1", "plain", text("x".repeat(100))));
        working("w", "x", 1);
        assertTrue(m.list(p1, "user/1", "plain", null, 1).entries().get(0).resident());
        assertEquals(0, m.space("user/1").orElseThrow().pagedOut());
    }

    @Test
    void getOfAPagedOutEntryPagesItBackInAndAnotherOut() throws Exception {
        m.setTokenBudget(1, 8);
        working("a", "one", 4);
        working("b", "two", 4);
        working("c", "three", 4);
        MemEntry a = m.get(p1, "user/1", "a");
        assertEquals("one", a.json().get("text").asText());
        assertTrue(a.info().resident());
        assertEquals(List.of("c", "a"), m.window("user/1"));
        assertFalse(m.list(p1, "user/1", "b", null, 1).entries().get(0).resident());
    }

    @Test
    void aGetMakesAnEntryMostRecentlyUsed() throws Exception {
        m.setTokenBudget(1, 8);
        working("a", "one", 4);
        working("b", "two", 4);
        m.get(p1, "user/1", "a");
        working("c", "three", 4);
        assertEquals(List.of("a", "c"), m.window("user/1"));
    }

    @Test
    void tokensAreEstimatedAsFourCharactersEachWhenNotGiven() throws Exception {
        EntryInfo e = done(m.put(p1, "user/1", "k", MemWrite.json(
                com.fasterxml.jackson.databind.node.TextNode.valueOf("x".repeat(38))).working(0, null)));
        assertEquals(10, e.tokens(), "40 characters with the quotes");
        assertNull(e.summary());
    }

    @Test
    void loweringTheBudgetPagesOutAtOnce() throws Exception {
        working("a", "one", 4);
        working("b", "two", 4);
        m.setTokenBudget(1, 4);
        assertEquals(List.of("b"), m.window("user/1"));
        assertEquals(4, m.space("user/1").orElseThrow().residentTokens());
    }

    @Test
    void aBudgetSetBeforeTheProcessStartsApplies() {
        m.setTokenBudget(3, 42);
        m.processStarted(3, "alice");
        assertEquals(42, m.space("user/3").orElseThrow().tokenBudget());
    }

    @Test
    void anEntryAloneOverTheBudgetStaysResident() throws Exception {
        m.setTokenBudget(1, 2);
        working("big", "x", 5);
        assertEquals(List.of("big"), m.window("user/1"));
    }

    @Test
    void recallPagesInTheBestMatchingArchivedEntries() throws Exception {
        m.setTokenBudget(1, 4);
        working("paris", "trip to paris in june", 4);
        working("rome", "rome in june", 4);
        working("misc", "nothing", 4);
        working("now", "current", 4);
        List<MemEntry> got = m.recall(p1, "paris june", 2);
        assertEquals(List.of("paris", "rome"), got.stream().map(e -> e.info().key()).toList(),
                "two words beat one; an entry with neither is not recalled");
        assertTrue(got.stream().allMatch(e -> e.info().resident()));
        assertEquals("trip to paris in june", got.get(0).json().get("text").asText());
        assertTrue(m.window("user/1").containsAll(List.of("paris", "rome")));
        assertFalse(m.window("user/1").contains("now"), "recall paged out the least recently used");
    }

    @Test
    void recallMatchesTheSummary() throws Exception {
        m.setTokenBudget(1, 4);
        done(m.put(p1, "user/1", "a", text("body").working(4, "notes about kites")));
        working("b", "other", 4);
        assertEquals(List.of("a"), m.recall(p1, "kites", 5).stream().map(e -> e.info().key()).toList());
    }

    @Test
    void recallFindsOnlyTheCallersOwnArchivedEntries() throws Exception {
        MemCaller p2 = proc(2, "bob");
        m.setTokenBudget(2, 1);
        done(m.put(p2, "user/2", "secret", text("paris").working(1, null)));
        done(m.put(p2, "user/2", "other", text("x").working(1, null)));
        assertEquals(List.of(), m.recall(p1, "paris", 5));
        assertEquals(1, m.space("user/2").orElseThrow().pagedOut());
    }

    @Test
    void recallIsForProcessesAndNeedsWords() {
        assertEquals(Errno.EINVAL, refused(() -> m.recall(MemCaller.operator("alice"), "x", 1)).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.recall(p1, "  ", 1)).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.recall(p1, "x", 0)).errno());
    }

    @Test
    void searchFindsPagedOutEntriesWithoutPagingThemIn() throws Exception {
        m.setTokenBudget(1, 4);
        working("a", "kites", 4);
        working("b", "other", 4);
        assertEquals(List.of("a"), m.search(p1, "user/1", "kites", 5).stream().map(EntryInfo::key).toList());
        assertEquals(List.of("b"), m.window("user/1"));
    }

    @Test
    void overwritingAPagedOutEntryReplacesItsArchivedCopy() throws Exception {
        m.setTokenBudget(1, 4);
        working("a", "old", 4);
        working("b", "other", 4);
        done(m.put(p1, "user/1", "a", text("new")));
        assertEquals(0, m.space("user/1").orElseThrow().pagedOut());
        assertEquals("new", m.get(p1, "user/1", "a").json().get("text").asText());
        assertEquals(List.of(), m.recall(p1, "old", 5));
    }

    @Test
    void deletingAPagedOutEntryEmptiesTheArchive() throws Exception {
        m.setTokenBudget(1, 4);
        working("a", "old", 4);
        working("b", "other", 4);
        assertTrue(done(m.delete(p1, "user/1", "a")));
        assertEquals(0, m.space("user/1").orElseThrow().pagedOut());
    }

    @Test
    void reclaimPagesOutVictimsInOrderUntilEnoughIsFreed() throws Exception {
        MemCaller p2 = proc(2, "alice");
        m.setTokenBudget(1, 0);
        m.setTokenBudget(2, 0);
        for (int i = 0; i < 3; i++) done(m.put(p1, "user/1", "w" + i, MemWrite.blob(new byte[10]).working(1, null)));
        for (int i = 0; i < 3; i++) done(m.put(p2, "user/2", "w" + i, MemWrite.blob(new byte[10]).working(1, null)));
        assertEquals(40, m.reclaim(35, List.of(2L, 1L)));
        assertEquals(3, m.space("user/2").orElseThrow().pagedOut());
        assertEquals(1, m.space("user/1").orElseThrow().pagedOut());
        assertEquals(List.of("w1", "w2"), m.window("user/1"));
        assertEquals(20, m.space("user/1").orElseThrow().bytes());
    }

    @Test
    void reclaimOfProcessesWithoutWorkingEntriesFreesNothing() throws Exception {
        done(m.put(p1, "user/1", "plain", MemWrite.blob(new byte[100])));
        assertEquals(0, m.reclaim(100, List.of(1L, 99L)));
    }
}
