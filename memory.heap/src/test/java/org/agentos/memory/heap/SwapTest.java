package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.syscall.Errno;
import org.junit.jupiter.api.Test;

/** Live swap: export, import into another manager, nothing lost; persistent spaces pass through. */
class SwapTest {
    private static final MemCaller OP = MemCaller.operator("alice");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MemoryState sample(HeapMemory m) throws Exception {
        MemCaller p1 = proc(1, "alice");
        MemCaller p2 = proc(2, "bob", "mem:write:shared/team");
        m.setTokenBudget(1, 20);
        done(m.put(MemCaller.kernel(), "system", "boot", text("ok")));
        for (int i = 0; i < 5; i++) done(m.put(p1, "user/1", "w" + i, text("working " + i).working(10, "s" + i)));
        for (int i = 0; i < 300; i++) done(m.put(p1, "user/1", "k" + i, text("v" + i)));
        done(m.put(p1, "user/1", "blob", MemWrite.blob(new byte[] {4, 5, 6})));
        m.share(OP, "team", new SharedSpec(false, 5000, Set.of("bob")));
        done(m.put(OP, "shared/team", "doc", text("shared")));
        m.tryLock(p2, "shared/team", "L");
        m.trySemAcquire(p2, "shared/team", "S", 2, 5);
        return m.exportState();
    }

    @Test
    void aRoundTripIntoASecondManagerLosesNoEntry() throws Exception {
        MemoryState out = sample(HeapMemory.standalone());
        assertEquals(3, space(out, "user/1").entries().stream().filter(e -> !e.info().resident()).count(),
                "three working entries were paged out");
        HeapMemory b = HeapMemory.standalone();
        b.importState(out);
        MemCaller p1 = proc(1, "alice");
        for (int i = 0; i < 300; i++) assertEquals("v" + i, b.get(p1, "user/1", "k" + i).json().get("text").asText());
        for (int i = 0; i < 5; i++) assertEquals("working " + i, b.get(p1, "user/1", "w" + i).json().get("text").asText());
        assertArrayEquals(new byte[] {4, 5, 6}, b.get(p1, "user/1", "blob").blob());
        assertEquals("ok", b.get(p1, "system", "boot").json().get("text").asText());
        assertEquals("shared", b.get(OP, "shared/team", "doc").json().get("text").asText());
        assertEquals(5000, b.space("shared/team").orElseThrow().quotaBytes());
        assertEquals(20, b.space("user/1").orElseThrow().tokenBudget());
    }

    @Test
    void pagedOutEntriesStayPagedOutAcrossTheSwap() throws Exception {
        HeapMemory a = HeapMemory.standalone();
        MemoryState out = sample(a);
        HeapMemory b = HeapMemory.standalone();
        b.importState(out);
        assertEquals(a.window("user/1"), b.window("user/1"));
        SpaceInfo s = b.space("user/1").orElseThrow();
        assertEquals(3, s.pagedOut());
        assertEquals(20, s.residentTokens());
        assertEquals(List.of("w0"), b.recall(proc(1, "alice"), "s0", 1).stream().map(e -> e.info().key()).toList(),
                "the summary came along and recall finds it");
    }

    @Test
    void locksAndSemaphoresAreCarriedAndReleasedOnExitAfterTheSwap() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        b.importState(sample(HeapMemory.standalone()));
        MemCaller p2 = proc(2, "bob", "mem:write:shared/team");
        assertFalse(b.tryLock(OP, "shared/team", "L"), "pid 2 still holds the lock");
        assertFalse(b.trySemAcquire(OP, "shared/team", "S", 4, 0), "pid 2 still holds two permits");
        assertEquals(List.of("shared/team#L", "shared/team#S"), b.processExited(2));
        assertTrue(b.trySemAcquire(p2, "shared/team", "S", 5, 0));
    }

    @Test
    void anExportOfTheImportIsTheSameState() throws Exception {
        MemoryState out = sample(HeapMemory.standalone());
        HeapMemory b = HeapMemory.standalone();
        b.importState(out);
        assertEquals(summary(out), summary(b.exportState()));
    }

    @Test
    void aPersistentSpaceIsAcceptedKeptAndExportedWithItsFlag() throws Exception {
        MemoryState in = new MemoryState(MemoryState.VERSION, List.of(new MemoryState.Space("shared/kept", "alice", true,
                0, 0, List.of(entry("shared/kept", "doc", 3, JSON.readTree("{\"a\":1}"), null, false, 0, true, null)),
                Map.of(), List.of())));
        HeapMemory b = HeapMemory.standalone();
        b.importState(in);
        assertTrue(b.space("shared/kept").orElseThrow().persistent());
        assertEquals(3, b.get(OP, "shared/kept", "doc").info().version());
        done(b.put(OP, "shared/kept", "more", text("written under heap")));
        MemoryState.Space back = space(b.exportState(), "shared/kept");
        assertTrue(back.persistent(), "swapping back restores its persistence");
        assertEquals(List.of("doc", "more"), back.entries().stream().map(e -> e.info().key()).toList());
    }

    @Test
    void anImportedReadOnlyDocumentIsKeptCountedAsExportedAndReadAsAChangeableCopy() throws Exception {
        // what memory.hierarchical exports: its own read-only (unmodifiable) nodes, sized by it
        com.fasterxml.jackson.databind.node.ObjectNode frozen = new com.fasterxml.jackson.databind.node.ObjectNode(
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(Map.of("a", JSON.getNodeFactory().numberNode(1)))));
        MemoryState in = new MemoryState(MemoryState.VERSION, List.of(new MemoryState.Space("shared/ro", "alice", false, 0, 0,
                List.of(new MemEntry(new EntryInfo("shared/ro", "doc", 1, 7, false, false, 0, true, 1000L, 4, null), frozen, null)),
                Map.of(), List.of())));
        HeapMemory b = HeapMemory.standalone();
        b.importState(in);
        assertEquals(7, b.space("shared/ro").orElseThrow().bytes(), "the exporter's count of {\"a\":1}");
        JsonNode got = b.get(OP, "shared/ro", "doc").json();
        ((com.fasterxml.jackson.databind.node.ObjectNode) got).put("a", 2); // the caller's copy
        assertEquals(1, b.get(OP, "shared/ro", "doc").json().get("a").asInt(), "the store is unchanged");
        assertEquals(1, frozen.get("a").asInt());
    }

    @Test
    void aRefusedImportOfAnUnknownVersionChangesNothing() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        done(b.put(proc(9, "zed"), "user/9", "old", text("x")));
        assertThrows(IllegalArgumentException.class, () -> b.importState(new MemoryState(99, List.of())));
        assertEquals("x", b.get(proc(9, "zed"), "user/9", "old").json().get("text").asText());
    }

    @Test
    void aStateWithAnUnusableEntryIsRefusedWhole() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        done(b.put(proc(9, "zed"), "user/9", "old", text("x")));
        MemoryState bad = new MemoryState(MemoryState.VERSION, List.of(
                new MemoryState.Space("shared/good", "alice", false, 0, 0,
                        List.of(entry("shared/good", "k", 1, JSON.readTree("1"), null, false, 0, true, null)), Map.of(), List.of()),
                new MemoryState.Space("shared/bad", "alice", false, 0, 0,
                        List.of(entry("shared/bad", "k", 1, null, null, false, 0, true, null)), Map.of(), List.of())));
        var e = assertThrows(IllegalArgumentException.class, () -> b.importState(bad));
        assertTrue(e.getMessage().contains("shared/bad"), e.getMessage());
        assertTrue(b.space("shared/good").isEmpty(), "nothing of the refused state was taken");
        assertTrue(b.space("user/9").isPresent(), "nothing held was dropped");
    }

    @Test
    void aStateWithABadSpaceNameIsRefused() {
        HeapMemory b = HeapMemory.standalone();
        assertThrows(IllegalArgumentException.class, () -> b.importState(new MemoryState(MemoryState.VERSION,
                List.of(new MemoryState.Space("elsewhere", "x", false, 0, 0, List.of(), Map.of(), List.of())))));
    }

    @Test
    void importReplacesWhatTheManagerHeld() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        done(b.put(proc(9, "zed"), "user/9", "old", text("x")));
        b.share(OP, "gone", new SharedSpec(false, 0));
        b.importState(new MemoryState(MemoryState.VERSION, List.of()));
        assertTrue(b.space("user/9").isEmpty());
        assertTrue(b.space("shared/gone").isEmpty());
        assertTrue(b.space("system").isPresent(), "system is always there");
        assertEquals(0, b.usage().stream().mapToLong(u -> u.bytes()).sum());
    }

    /**
     * What memory.hierarchical exports, built by hand: persistent system and user spaces (its
     * default), blobs and JSON, paged-out working entries carrying their values and summaries,
     * a lock and a semaphore with holders.
     */
    @Test
    void aStateShapedLikeTheHierarchicalManagersRoundTrips() throws Exception {
        JsonNode doc = JSON.readTree("{\"text\":\"hello\",\"n\":[1,2,3]}");
        List<MemEntry> user = List.of(
                entry("user/4", "bin", 7, null, new byte[] {0, 1, 2, 3}, false, 0, true, null),
                entry("user/4", "doc", 2, doc, null, false, 0, true, null),
                entry("user/4", "old", 1, JSON.readTree("{\"text\":\"the lighthouse at dusk\"}"), null, true, 30, false,
                        "lighthouse notes"),
                entry("user/4", "recent", 1, JSON.readTree("{\"text\":\"now\"}"), null, true, 30, true, null));
        MemoryState hier = new MemoryState(MemoryState.VERSION, List.of(
                new MemoryState.Space("system", "root", true, 0, 0,
                        List.of(entry("system", "boot", 1, JSON.readTree("\"ok\""), null, false, 0, true, null)), Map.of(), List.of()),
                new MemoryState.Space("user/4", "dana", true, 64L << 20, 50, user, Map.of("mine", 4L),
                        List.of(new MemoryState.Semaphore("slots", 1, Map.of(4L, 2)))),
                new MemoryState.Space("shared/board", "dana", false, 1000, 0, List.of(), Map.of("edit", 4L), List.of())));

        HeapMemory heap = HeapMemory.standalone();
        heap.importState(hier);
        MemCaller p4 = proc(4, "dana");
        SpaceInfo u = heap.space("user/4").orElseThrow();
        assertTrue(u.persistent());
        assertEquals(4, u.entries());
        assertEquals(1, u.pagedOut());
        assertEquals(30, u.residentTokens());
        assertEquals(50, u.tokenBudget());
        assertEquals(64L << 20, u.quotaBytes());
        assertTrue(heap.space("system").orElseThrow().persistent());
        assertArrayEquals(new byte[] {0, 1, 2, 3}, heap.get(p4, "user/4", "bin").blob());
        assertEquals(7, heap.get(p4, "user/4", "bin").info().version());
        assertEquals(doc, heap.get(p4, "user/4", "doc").json());
        assertFalse(heap.tryLock(proc(5, "dana", "mem:write:shared/board"), "shared/board", "edit"));
        assertFalse(heap.trySemAcquire(proc(5, "dana", "mem:write:user/4"), "user/4", "slots", 2, 0));

        MemoryState back = heap.exportState();
        assertEquals(summary(hier), summary(back), "exported as it came in, ready to swap back");
        MemEntry old = space(back, "user/4").entries().stream().filter(e -> e.info().key().equals("old")).findFirst().orElseThrow();
        assertFalse(old.info().resident());
        assertEquals("lighthouse notes", old.info().summary());
        assertEquals("the lighthouse at dusk", old.json().get("text").asText(), "a paged-out entry is exported with its value");

        assertEquals(List.of("old"), heap.recall(p4, "lighthouse", 3).stream().map(e -> e.info().key()).toList());
        assertEquals(List.of("user/4#mine", "user/4#slots", "shared/board#edit").stream().sorted().toList(),
                heap.processExited(4).stream().sorted().toList());
    }

    @Test
    void importedEntriesAreMeasuredByTheirValueNotByWhatTheStateSays() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        b.importState(new MemoryState(MemoryState.VERSION, List.of(new MemoryState.Space("shared/x", "alice", false, 0, 0,
                List.of(entry("shared/x", "k", 1, null, new byte[10], false, 0, true, null)), Map.of(), List.of()))));
        assertEquals(10, b.space("shared/x").orElseThrow().bytes());
        assertEquals(org.agentos.kernel.api.memory.MemKey.charge("k", 10),
                b.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow().bytes());
    }

    @Test
    void theUserSpaceBudgetIsRestoredForTheProcess() throws Exception {
        HeapMemory b = HeapMemory.standalone();
        b.importState(sample(HeapMemory.standalone()));
        b.processExited(1);
        b.processStarted(1, "alice");
        assertEquals(8000, b.space("user/1").orElseThrow().tokenBudget(), "a new process gets the default again");
        assertEquals(Errno.ENOENT, refused(() -> b.get(proc(1, "alice"), "user/1", "k0")).errno());
    }

    private static MemEntry entry(String space, String key, long version, JsonNode json, byte[] blob, boolean working,
            int tokens, boolean resident, String summary) {
        long bytes = blob != null ? blob.length : json == null ? 0 : json.toString().length();
        return new MemEntry(new EntryInfo(space, key, version, bytes, blob != null, working, tokens, resident, 1000L, 4,
                summary), json, blob);
    }

    private static MemoryState.Space space(MemoryState s, String name) {
        return s.spaces().stream().filter(sp -> sp.name().equals(name)).findFirst().orElseThrow();
    }

    /** Everything a successor must get back, one comparable line per fact. */
    private static Map<String, List<String>> summary(MemoryState s) {
        Map<String, List<String>> m = new TreeMap<>();
        for (MemoryState.Space sp : s.spaces()) {
            List<String> lines = new ArrayList<>();
            lines.add(sp.owner() + " " + sp.persistent() + " " + sp.quotaBytes() + " " + sp.tokenBudget() + " "
                    + new TreeMap<>(sp.locks()));
            for (MemoryState.Semaphore sem : sp.semaphores()) lines.add(sem.name() + " " + sem.available() + " " + sem.held());
            for (MemEntry e : sp.entries()) {
                EntryInfo i = e.info();
                lines.add(i.key() + " v" + i.version() + " " + i.bytes() + " " + i.blob() + " " + i.working() + " " + i.tokens()
                        + " " + i.resident() + " " + i.summary() + " " + i.modifiedMillis() + " " + i.modifiedBy() + " "
                        + (e.json() != null ? e.json().toString() : Arrays.toString(e.blob())));
            }
            m.put(sp.name(), lines);
        }
        return m;
    }
}
