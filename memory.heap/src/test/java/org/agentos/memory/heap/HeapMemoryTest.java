package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.memory.CasOutcome;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemUsage;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.syscall.Errno;
import org.junit.jupiter.api.Test;

/** Entries, spaces, process life and configuration of the heap manager. */
class HeapMemoryTest {
    private static final MemCaller OP = MemCaller.operator("alice");
    private final MemCaller alice1 = proc(1, "alice");
    private final HeapMemory m = HeapMemory.standalone();

    @Test
    void nameIsHeap() {
        assertEquals("heap", m.name());
    }

    @Test
    void putThenGetReturnsTheValueWithVersionOne() throws Exception {
        EntryInfo info = done(m.put(alice1, "user/1", "note", text("hello")));
        assertEquals(1, info.version());
        MemEntry e = m.get(alice1, "user/1", "note");
        assertEquals("hello", e.json().get("text").asText());
        assertEquals(1, e.info().version());
        assertEquals(1, e.info().modifiedBy());
        assertEquals("{\"text\":\"hello\"}".length(), e.info().bytes());
        assertTrue(e.info().resident());
    }

    @Test
    void aSecondPutMakesANewVersion() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(2, done(m.put(alice1, "user/1", "k", text("b"))).version());
        assertEquals("b", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void blobsAreStoredAsBytes() throws Exception {
        done(m.put(alice1, "user/1", "b", MemWrite.blob(new byte[] {1, 2, 3})));
        MemEntry e = m.get(alice1, "user/1", "b");
        assertArrayEquals(new byte[] {1, 2, 3}, e.blob());
        assertNull(e.json());
        assertTrue(e.info().blob());
        assertEquals(3, e.info().bytes());
    }

    @Test
    void changingAReturnedDocumentDoesNotChangeTheStore() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) m.get(alice1, "user/1", "k").json()).put("text", "changed");
        assertEquals("a", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void changingAWrittenDocumentAfterThePutDoesNotChangeTheStore() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode doc =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("text", "a");
        done(m.put(alice1, "user/1", "k", MemWrite.json(doc)));
        doc.put("text", "changed");
        assertEquals("a", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void everyWriteStageIsCompleteWhenReturned() throws Exception {
        m.share(OP, "t", new SharedSpec(false, 0));
        assertTrue(m.put(OP, "shared/t", "k", text("a")).toCompletableFuture().isDone());
        assertTrue(m.cas(OP, "shared/t", "k", 1, text("b")).toCompletableFuture().isDone());
        assertTrue(m.delete(OP, "shared/t", "k").toCompletableFuture().isDone());
    }

    @Test
    void concurrentCasIncrementsLoseNoUpdate() throws Exception {
        m.share(OP, "c", new SharedSpec(false, 0));
        int threads = 4;
        int each = 250;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        while (true) { // the usual cas loop: read, write at that version, retry when another won
                            long v = m.list(OP, "shared/c", "n", null, 1).entries().stream().mapToLong(EntryInfo::version).findFirst().orElse(0);
                            if (done(m.cas(OP, "shared/c", "n", v, text("x"))).swapped()) break;
                        }
                    }
                    return null;
                }));
            }
            for (var f : futures) f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, m.get(OP, "shared/c", "n").info().version());
    }

    @Test
    void getOfAMissingKeyIsENOENT() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(Errno.ENOENT, refused(() -> m.get(alice1, "user/1", "nope")).errno());
    }

    @Test
    void getOfAMissingSpaceIsENOENT() {
        assertEquals(Errno.ENOENT, refused(() -> m.get(OP, "shared/none", "k")).errno());
    }

    @Test
    void badKeysAreEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.put(alice1, "user/1", "", text("a"))).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.put(alice1, "user/1", "a\nb", text("a"))).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.put(alice1, "user/1", "x".repeat(513), text("a"))).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.get(alice1, "user/1", null)).errno());
    }

    @Test
    void aKeyOf512CharactersIsAccepted() throws Exception {
        assertEquals(1, done(m.put(alice1, "user/1", "k".repeat(512), text("a"))).version());
    }

    @Test
    void badSpaceNamesAreEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.get(alice1, "user/0", "k")).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.get(alice1, "elsewhere", "k")).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.share(OP, "a/b", new SharedSpec(false, 0))).errno());
    }

    @Test
    void aMissingValueIsEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.put(alice1, "user/1", "k", null)).errno());
    }

    @Test
    void aSummaryLongerThan4096CharactersIsEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.put(alice1, "user/1", "k",
                text("a").working(1, "s".repeat(4097)))).errno());
    }

    @Test
    void deleteRemovesAKeyAndSaysWhetherThereWasOne() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertTrue(done(m.delete(alice1, "user/1", "k")));
        assertFalse(done(m.delete(alice1, "user/1", "k")));
        assertEquals(Errno.ENOENT, refused(() -> m.get(alice1, "user/1", "k")).errno());
        assertEquals(0, m.space("user/1").orElseThrow().bytes());
    }

    @Test
    void casWithVersionZeroWritesOnlyWhenAbsent() throws Exception {
        CasOutcome first = done(m.cas(alice1, "user/1", "k", 0, text("a")));
        assertTrue(first.swapped());
        assertEquals(1, first.current().version());
        CasOutcome second = done(m.cas(alice1, "user/1", "k", 0, text("b")));
        assertFalse(second.swapped());
        assertEquals(1, second.current().version());
        assertEquals("a", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void casWritesOnlyAtTheExpectedVersion() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertFalse(done(m.cas(alice1, "user/1", "k", 5, text("b"))).swapped());
        CasOutcome ok = done(m.cas(alice1, "user/1", "k", 1, text("b")));
        assertTrue(ok.swapped());
        assertEquals(2, ok.current().version());
        assertEquals("b", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void casOfAMissingKeyAtAVersionFailsWithNoCurrent() throws Exception {
        CasOutcome out = done(m.cas(alice1, "user/1", "k", 3, text("a")));
        assertFalse(out.swapped());
        assertNull(out.current());
    }

    @Test
    void casWithANegativeVersionIsEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.cas(alice1, "user/1", "k", -1, text("a"))).errno());
    }

    @Test
    void listPagesInKeyOrderWithPrefixAndAfter() throws Exception {
        for (String k : List.of("b2", "a1", "b1", "b3", "c1")) done(m.put(alice1, "user/1", k, text(k)));
        EntryPage first = m.list(alice1, "user/1", "b", null, 2);
        assertEquals(List.of("b1", "b2"), first.entries().stream().map(EntryInfo::key).toList());
        assertEquals("b2", first.next());
        EntryPage second = m.list(alice1, "user/1", "b", first.next(), 2);
        assertEquals(List.of("b3"), second.entries().stream().map(EntryInfo::key).toList());
        assertNull(second.next());
        assertEquals(5, m.list(alice1, "user/1", "", null, 10).entries().size());
        assertEquals(List.of("a1", "b1", "b2", "b3", "c1"),
                m.list(alice1, "user/1", null, null, 10).entries().stream().map(EntryInfo::key).toList());
    }

    @Test
    void listWithANonPositiveLimitIsEINVAL() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(Errno.EINVAL, refused(() -> m.list(alice1, "user/1", "", null, 0)).errno());
    }

    @Test
    void searchMatchesAllWordsInKeyOrTextBestFirst() throws Exception {
        done(m.put(alice1, "user/1", "weather", text("rain in paris")));
        done(m.put(alice1, "user/1", "trip", text("paris paris rain")));
        done(m.put(alice1, "user/1", "other", text("sun in paris")));
        List<EntryInfo> hits = m.search(alice1, "user/1", "Paris rain", 10);
        assertEquals(List.of("trip", "weather"), hits.stream().map(EntryInfo::key).toList());
        assertEquals(List.of("weather"), m.search(alice1, "user/1", "weather", 10).stream().map(EntryInfo::key).toList(),
                "a key matches too");
        assertEquals(1, m.search(alice1, "user/1", "paris", 1).size());
    }

    @Test
    void aQueryWithoutWordsIsEINVAL() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(Errno.EINVAL, refused(() -> m.search(alice1, "user/1", " ,; ", 10)).errno());
    }

    @Test
    void shareCreatesASpaceOwnedByTheCallersOwner() throws Exception {
        SpaceInfo info = m.share(proc(3, "carol", "mem:share:team"), "team", new SharedSpec(false, 500));
        assertEquals("shared/team", info.name());
        assertEquals(SpaceKind.SHARED, info.kind());
        assertEquals("carol", info.owner());
        assertEquals(500, info.quotaBytes());
        assertFalse(info.persistent());
        assertEquals(info, m.space("shared/team").orElseThrow());
    }

    @Test
    void sharingAnExistingNameIsEEXIST() throws Exception {
        m.share(OP, "team", new SharedSpec(false, 0));
        assertEquals(Errno.EEXIST, refused(() -> m.share(OP, "team", new SharedSpec(false, 0))).errno());
    }

    @Test
    void aPersistentSharedSpaceIsRefusedWithEINVAL() {
        var e = refused(() -> m.share(OP, "team", new SharedSpec(true, 0)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("memory.heap keeps nothing on disk; use memory.hierarchical", e.getMessage());
        assertTrue(m.space("shared/team").isEmpty());
    }

    @Test
    void deleteSpaceRemovesASharedSpaceWithItsEntries() throws Exception {
        m.share(OP, "team", new SharedSpec(false, 0));
        done(m.put(OP, "shared/team", "k", text("a")));
        assertEquals(List.of(), m.deleteSpace(OP, "shared/team"));
        assertTrue(m.space("shared/team").isEmpty());
        assertEquals(Errno.ENOENT, refused(() -> m.get(OP, "shared/team", "k")).errno());
        assertTrue(m.usage().stream().noneMatch(u -> u.owner().equals("alice")), "alice owns nothing now");
    }

    @Test
    void deleteSpaceReturnsItsLocksAndSemaphores() throws Exception {
        m.share(OP, "team", new SharedSpec(false, 0));
        assertTrue(m.tryLock(proc(4, "alice", "mem:write:shared/team"), "shared/team", "L"));
        assertTrue(m.trySemAcquire(OP, "shared/team", "S", 1, 3));
        assertEquals(List.of("shared/team#L", "shared/team#S"), m.deleteSpace(OP, "shared/team"));
    }

    @Test
    void deleteOfAMissingSpaceIsENOENT() {
        assertEquals(Errno.ENOENT, refused(() -> m.deleteSpace(OP, "shared/none")).errno());
    }

    @Test
    void onlySharedSpacesAreDeleted() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(Errno.EINVAL, refused(() -> m.deleteSpace(OP, "user/1")).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.deleteSpace(MemCaller.kernel(), "system")).errno());
    }

    @Test
    void spacesListsEverySpaceMeasured() throws Exception {
        done(m.put(alice1, "user/1", "k", MemWrite.blob(new byte[10])));
        m.share(OP, "team", new SharedSpec(false, 0));
        List<SpaceInfo> all = m.spaces();
        assertEquals(List.of("shared/team", "system", "user/1"), all.stream().map(SpaceInfo::name).toList());
        SpaceInfo u = m.space("user/1").orElseThrow();
        assertEquals(1, u.entries());
        assertEquals(10, u.bytes());
        assertEquals(64L << 20, u.quotaBytes());
        assertEquals(8000, u.tokenBudget());
        assertEquals(0, u.sharedBytes());
    }

    @Test
    void usageSumsBytesAndSpacesPerOwnerWithItsQuota() throws Exception {
        done(m.put(alice1, "user/1", "k", MemWrite.blob(new byte[10])));
        m.share(OP, "team", new SharedSpec(false, 0));
        done(m.put(OP, "shared/team", "k", MemWrite.blob(new byte[5])));
        MemUsage alice = m.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow();
        assertEquals(new MemUsage("alice", 2, org.agentos.kernel.api.memory.MemKey.charge("k", 10)
                + org.agentos.kernel.api.memory.MemKey.charge("k", 5), 1L << 30), alice);
    }

    @Test
    void processStartedCreatesAnEmptyUserSpace() {
        m.processStarted(7, "bob");
        SpaceInfo s = m.space("user/7").orElseThrow();
        assertEquals("bob", s.owner());
        assertEquals(0, s.entries());
        assertFalse(s.persistent());
        assertThrows(IllegalArgumentException.class, () -> m.processStarted(0, "bob"));
    }

    @Test
    void processStartedKeepsAnExistingSpace() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        m.processStarted(1, "alice");
        assertEquals(1, m.space("user/1").orElseThrow().entries());
    }

    @Test
    void aUserSpaceIsCreatedOnlyByItsOwnProcess() {
        assertEquals(Errno.ENOENT, refused(() -> m.put(OP, "user/5", "k", text("a"))).errno());
        assertTrue(m.space("user/5").isEmpty());
    }

    @Test
    void exitFreesTheUserSpace() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(List.of(), m.processExited(1));
        assertTrue(m.space("user/1").isEmpty());
        assertEquals(0, m.usage().stream().filter(u -> u.owner().equals("alice")).mapToLong(MemUsage::bytes).sum());
    }

    @Test
    void exitKeepsTheUserSpaceWhenThePolicySaysSo() throws Exception {
        HeapMemory keep = new HeapMemory(new Settings(0, 0, Map.of(), true, 0));
        done(keep.put(alice1, "user/1", "k", text("a")));
        keep.processExited(1);
        assertEquals("a", keep.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void configurationSetsQuotasPoliciesAndTheBudget() throws Exception {
        HeapMemory.Config c = config(Map.of("processQuotaBytes", 100L, "ownerQuotas", new String[] {"alice=50"},
                "defaultTokenBudget", 7L));
        HeapMemory h = new HeapMemory();
        h.configure(c);
        h.processStarted(1, "alice");
        assertEquals(100, h.space("user/1").orElseThrow().quotaBytes());
        assertEquals(7, h.space("user/1").orElseThrow().tokenBudget());
        assertEquals(50, h.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow().quotaBytes());
    }

    @Test
    void aMalformedOwnerQuotaIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Settings.parseOwnerQuotas(new String[] {"alice"}));
        assertTrue(e.getMessage().contains("'alice'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Settings.parseOwnerQuotas(new String[] {"alice=-1"}));
    }

    /** A Config as ConfigAdmin would give it: the named values, the annotation's defaults for the rest. */
    private static HeapMemory.Config config(Map<String, Object> values) {
        return (HeapMemory.Config) Proxy.newProxyInstance(HeapMemory.Config.class.getClassLoader(),
                new Class<?>[] {HeapMemory.Config.class},
                (proxy, method, args) -> values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }
}
