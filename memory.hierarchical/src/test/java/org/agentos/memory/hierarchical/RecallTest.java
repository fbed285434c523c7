package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.junit.jupiter.api.Test;

/**
 * Recall as one query filtered by the space's lineage: a process finds what it has paged out,
 * including what a fork inherited from its parent's archive, and nothing else.
 */
class RecallTest {
    private final MemCaller p1 = proc(1, "alice");
    private final MemCaller p2 = proc(2, "alice");

    private static MemoryStore budget(long tokens) throws Exception {
        return new MemoryStore(MemorySettings.defaults(null).withTokenBudget(tokens));
    }

    private static List<String> keys(List<MemEntry> got) {
        return got.stream().map(e -> e.info().key()).toList();
    }

    /** Writes a working entry of 10 tokens; with a budget of 10 the one before it is paged out. */
    private static void note(MemoryStore m, MemCaller c, String key, String words) throws Exception {
        done(m.put(c, "user/" + c.pid(), key, text(words).working(10, null)));
    }

    @Test
    void aForkedChildRecallsWhatItsParentArchivedBeforeTheFork() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "zoo", "the giraffe at the zoo");
            note(m, p1, "now", "current work");
            m.fork(1, 2, "alice");
            assertEquals(List.of("zoo"), keys(m.recall(p2, "giraffe", 5)));
            assertEquals(List.of("zoo"), keys(m.recall(p1, "giraffe", 5)), "the parent's own copy is still archived");
        }
    }

    @Test
    void aChildDoesNotRecallWhatItsParentArchivedAfterTheFork() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "now", "current work");
            m.fork(1, 2, "alice");
            note(m, p1, "late", "a giraffe seen after the fork");
            note(m, p1, "later", "more work");
            assertEquals(List.of("late"), keys(m.recall(p1, "giraffe", 5)));
            assertTrue(m.recall(p2, "giraffe", 5).isEmpty());
        }
    }

    @Test
    void aParentDoesNotRecallWhatItsChildArchived() throws Exception {
        try (MemoryStore m = budget(10)) {
            m.processStarted(1, "alice");
            m.fork(1, 2, "alice");
            note(m, p2, "child", "a giraffe of the child");
            note(m, p2, "next", "more work");
            assertEquals(List.of("child"), keys(m.recall(p2, "giraffe", 5)));
            assertTrue(m.recall(p1, "giraffe", 5).isEmpty());
        }
    }

    @Test
    void aChildThatRewroteAnInheritedKeyRecallsOnlyItsOwnVersion() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "k", "the parent's giraffe");
            note(m, p1, "now", "current work");
            m.fork(1, 2, "alice");
            note(m, p2, "k", "the child's giraffe");
            note(m, p2, "next", "more work");
            List<MemEntry> got = m.recall(p2, "giraffe", 5);
            assertEquals(List.of("k"), keys(got));
            assertEquals("the child's giraffe", got.get(0).json().get("text").asText());
            assertEquals("the parent's giraffe", m.recall(p1, "giraffe", 5).get(0).json().get("text").asText());
        }
    }

    @Test
    void aGrandchildRecallsWhatItsGrandparentArchived() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "old", "an old giraffe");
            note(m, p1, "now", "current work");
            m.fork(1, 2, "alice");
            m.fork(2, 3, "alice");
            m.processExited(1);
            m.processExited(2);
            assertEquals(List.of("old"), keys(m.recall(proc(3, "alice"), "giraffe", 5)));
        }
    }

    @Test
    void anEntryPagedBackInAndOutAgainIsRecalledOnce() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "zoo", "the giraffe at the zoo");
            note(m, p1, "now", "current work");
            assertEquals(List.of("zoo"), keys(m.recall(p1, "giraffe", 5))); // pages "now" out
            note(m, p1, "next", "other work"); // pages "zoo" out again, reusing its document
            assertEquals(List.of("zoo"), keys(m.recall(p1, "giraffe", 5)));
        }
    }

    @Test
    void recallReadsPastManyInheritedVersionsTheChildRewrote() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "keep", "a giraffe to keep");
            for (int i = 0; i < 200; i++) note(m, p1, "g" + i, "giraffe giraffe giraffe " + i);
            note(m, p1, "now", "current work");
            m.fork(1, 2, "alice");
            // the child rewrites each of them: the parent's documents still match best, but are not the child's
            for (int i = 0; i < 200; i++) note(m, p2, "g" + i, "plain work " + i);
            note(m, p2, "next", "more work");
            assertEquals(List.of("keep"), keys(m.recall(p2, "giraffe", 5)));
            assertEquals(5, m.recall(p1, "giraffe", 5).size(), "the parent still has its own");
        }
    }

    @Test
    void aReturnedDocumentCannotBeChanged() throws Exception {
        try (MemoryStore m = budget(10)) {
            note(m, p1, "zoo", "the giraffe at the zoo");
            note(m, p1, "now", "current work");
            MemEntry e = m.recall(p1, "giraffe", 1).get(0);
            org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                    () -> ((com.fasterxml.jackson.databind.node.ObjectNode) e.json()).put("text", "changed"));
            assertEquals("the giraffe at the zoo", m.get(p1, "user/1", "zoo").json().get("text").asText());
        }
    }
}
