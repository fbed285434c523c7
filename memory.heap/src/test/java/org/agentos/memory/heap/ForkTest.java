package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.agentos.memory.heap.Mem.withQuotas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.Errno;
import org.junit.jupiter.api.Test;

/** Fork: an eager copy of the parent's space, after which the two diverge. */
class ForkTest {
    private final MemCaller parent = proc(1, "alice");
    private final MemCaller child = proc(2, "alice");
    private final HeapMemory m = HeapMemory.standalone();

    @Test
    void childSeesTheParentsEntriesAfterFork() throws Exception {
        done(m.put(parent, "user/1", "k", text("a")));
        done(m.put(parent, "user/1", "b", MemWrite.blob(new byte[] {1})));
        m.fork(1, 2, "alice");
        assertEquals("a", m.get(child, "user/2", "k").json().get("text").asText());
        assertEquals(1, m.get(child, "user/2", "k").info().version());
        assertEquals(2, m.space("user/2").orElseThrow().entries());
    }

    @Test
    void childDoesNotSeeParentWritesAfterFork() throws Exception {
        done(m.put(parent, "user/1", "k", text("a")));
        m.fork(1, 2, "alice");
        done(m.put(parent, "user/1", "k", text("parent")));
        done(m.put(parent, "user/1", "new", text("parent")));
        done(m.delete(parent, "user/1", "k"));
        assertEquals("a", m.get(child, "user/2", "k").json().get("text").asText());
        assertEquals(Errno.ENOENT, refused(() -> m.get(child, "user/2", "new")).errno());
    }

    @Test
    void parentDoesNotSeeChildWritesAfterFork() throws Exception {
        done(m.put(parent, "user/1", "k", text("a")));
        m.fork(1, 2, "alice");
        done(m.put(child, "user/2", "k", text("child")));
        done(m.put(child, "user/2", "new", text("child")));
        assertEquals("a", m.get(parent, "user/1", "k").json().get("text").asText());
        assertEquals(Errno.ENOENT, refused(() -> m.get(parent, "user/1", "new")).errno());
        done(m.delete(child, "user/2", "k"));
        assertEquals("a", m.get(parent, "user/1", "k").json().get("text").asText());
    }

    @Test
    void aForkIsChargedInFullAndReportsNothingShared() throws Exception {
        done(m.put(parent, "user/1", "k", MemWrite.blob(new byte[40])));
        m.fork(1, 2, "alice");
        SpaceInfo c = m.space("user/2").orElseThrow();
        assertEquals(40, c.bytes());
        assertEquals(0, c.sharedBytes());
        assertEquals(0, m.space("user/1").orElseThrow().sharedBytes());
        // value, key and overhead, twice
        assertEquals(2 * org.agentos.kernel.api.memory.MemKey.charge("k", 40),
                m.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow().bytes());
    }

    @Test
    void theChildTakesTheParentsContextWindowAndBudget() throws Exception {
        m.setTokenBudget(1, 10);
        for (int i = 0; i < 3; i++) done(m.put(parent, "user/1", "w" + i, text("x").working(4, null)));
        m.fork(1, 2, "alice");
        SpaceInfo c = m.space("user/2").orElseThrow();
        assertEquals(10, c.tokenBudget());
        assertEquals(1, c.pagedOut());
        assertEquals(m.window("user/1"), m.window("user/2"));
        assertEquals("x", m.get(child, "user/2", "w0").json().get("text").asText(), "the child pages in the parent's archived entry");
        assertEquals(1, m.space("user/1").orElseThrow().pagedOut(), "paging in the child's copy leaves the parent's archive");
    }

    @Test
    void aForkChildIsMemoryOnlyEvenOfAPersistentParent() throws Exception {
        m.importState(new MemoryState(MemoryState.VERSION, List.of(
                new MemoryState.Space("user/1", "alice", true, 0, 0, List.of(), Map.of(), List.of()))));
        m.fork(1, 2, "alice");
        assertTrue(m.space("user/1").orElseThrow().persistent());
        assertFalse(m.space("user/2").orElseThrow().persistent());
    }

    @Test
    void forkIntoANonEmptySpaceIsEEXIST() throws Exception {
        done(m.put(child, "user/2", "k", text("a")));
        assertEquals(Errno.EEXIST, refused(() -> m.fork(1, 2, "alice")).errno());
    }

    @Test
    void forkReplacesAnEmptyStartedChildSpace() throws Exception {
        done(m.put(parent, "user/1", "k", text("a")));
        m.processStarted(2, "alice");
        m.fork(1, 2, "alice");
        assertEquals(1, m.space("user/2").orElseThrow().entries());
    }

    @Test
    void forkWithBadPidsIsEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.fork(1, 1, "alice")).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.fork(0, 2, "alice")).errno());
    }

    @Test
    void aForkBeyondTheOwnerQuotaIsEQUOTA() throws Exception {
        HeapMemory q = withQuotas(0, 200, Map.of());
        done(q.put(parent, "user/1", "k", MemWrite.blob(new byte[60])));
        var e = refused(() -> q.fork(1, 2, "alice"));
        assertEquals(Errno.EQUOTA, e.errno());
        assertEquals("owner quota of alice: the fork's copy of 125 bytes on top of 125 used exceeds the limit of 200", e.getMessage());
        assertTrue(q.space("user/2").isEmpty());
    }

    @Test
    void aForkBeyondTheProcessQuotaIsEQUOTA() throws Exception {
        HeapMemory q = withQuotas(50, 0, Map.of());
        // a parent made under a larger process quota (here: imported) holds more than a new space may
        q.importState(new MemoryState(MemoryState.VERSION, List.of(new MemoryState.Space("user/1", "alice", false, 0, 0,
                List.of(new MemEntry(new EntryInfo("user/1", "k", 1, 60, true, false, 0, true, 0, 1, null), null, new byte[60])),
                Map.of(), List.of()))));
        var e = refused(() -> q.fork(1, 2, "alice"));
        assertEquals(Errno.EQUOTA, e.errno());
        assertEquals("process quota: the fork's copy of 125 bytes exceeds the limit of 50 per user space", e.getMessage());
        assertTrue(q.space("user/2").isEmpty());
    }

    @Test
    void forkOfAProcessWithoutASpaceGivesAnEmptyOne() throws Exception {
        m.fork(5, 6, "bob");
        SpaceInfo c = m.space("user/6").orElseThrow();
        assertEquals(0, c.entries());
        assertEquals("bob", c.owner());
    }
}
