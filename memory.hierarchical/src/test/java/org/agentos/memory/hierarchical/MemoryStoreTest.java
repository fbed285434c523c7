package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Entries, spaces, access, quotas and synchronization of a memory-only store. */
class MemoryStoreTest {
    private final MemCaller alice1 = proc(1, "alice");
    private final MemCaller bob2 = proc(2, "bob");
    private MemoryStore m;

    MemoryStoreTest() throws Exception {
        m = Mem.memoryOnly();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private static Errno errno(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(SyscallException.class, e).errno();
    }

    @Test
    void nameIsHierarchical() {
        assertEquals("hierarchical", m.name());
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
    }

    @Test
    void aSecondPutMakesANewVersion() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals(2, done(m.put(alice1, "user/1", "k", text("b"))).version());
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
        // the store hands out its own read-only copy (no copy per get): a change is refused
        com.fasterxml.jackson.databind.node.ObjectNode got =
                (com.fasterxml.jackson.databind.node.ObjectNode) m.get(alice1, "user/1", "k").json();
        assertThrows(UnsupportedOperationException.class, () -> got.put("text", "changed"));
        got.deepCopy().put("text", "changed"); // a caller that wants to edit it edits a copy
        assertEquals("a", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void changingAWrittenDocumentAfterThePutDoesNotChangeTheStore() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode doc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("text", "a");
        doc.putArray("list").add(1);
        done(m.put(alice1, "user/1", "k", MemWrite.json(doc)));
        doc.put("text", "changed");
        ((com.fasterxml.jackson.databind.node.ArrayNode) doc.get("list")).add(2);
        assertEquals("{\"text\":\"a\",\"list\":[1]}", m.get(alice1, "user/1", "k").json().toString());
        assertThrows(UnsupportedOperationException.class,
                () -> ((com.fasterxml.jackson.databind.node.ArrayNode) m.get(alice1, "user/1", "k").json().get("list")).add(3));
    }

    @Test
    void getOfAMissingKeyIsENOENT() throws Exception {
        m.processStarted(1, "alice");
        assertEquals(Errno.ENOENT, errno(() -> m.get(alice1, "user/1", "nope")));
    }

    @Test
    void getOfAMissingSpaceIsENOENT() {
        assertEquals(Errno.ENOENT, errno(() -> m.get(MemCaller.operator("op"), "shared/none", "k")));
    }

    @Test
    void badKeysAreEINVAL() {
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "user/1", "", text("x"))));
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "user/1", "a\nb", text("x"))));
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "user/1", "x".repeat(513), text("x"))));
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "user/1", "bad\uD800", text("x"))));
    }

    @Test
    void aKeyOf512CharactersIsAccepted() throws Exception {
        assertEquals(1, done(m.put(alice1, "user/1", "é".repeat(512), text("x"))).version());
    }

    @Test
    void badSpaceNamesAreEINVAL() {
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "user/0", "k", text("x"))));
        assertEquals(Errno.EINVAL, errno(() -> m.put(alice1, "other", "k", text("x"))));
        assertEquals(Errno.EINVAL, errno(() -> m.share(proc(1, "a", "mem:share:a/b"), "a/b", new SharedSpec(false, 0))));
    }

    @Test
    void deleteRemovesAKeyAndSaysWhetherThereWasOne() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertTrue(done(m.delete(alice1, "user/1", "k")));
        assertFalse(done(m.delete(alice1, "user/1", "k")));
        assertEquals(Errno.ENOENT, errno(() -> m.get(alice1, "user/1", "k")));
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
        assertFalse(done(m.cas(alice1, "user/1", "k", 2, text("b"))).swapped());
        CasOutcome ok = done(m.cas(alice1, "user/1", "k", 1, text("b")));
        assertTrue(ok.swapped());
        assertEquals(2, ok.current().version());
    }

    @Test
    void casOfAMissingKeyAtAVersionFailsWithNoCurrent() throws Exception {
        m.processStarted(1, "alice");
        CasOutcome o = done(m.cas(alice1, "user/1", "k", 3, text("b")));
        assertFalse(o.swapped());
        assertNull(o.current());
    }

    @Test
    void listPagesInKeyOrderWithPrefixAndAfter() throws Exception {
        for (String k : List.of("b/2", "a/1", "b/1", "b/3", "c/1")) done(m.put(alice1, "user/1", k, text(k)));
        EntryPage p1 = m.list(alice1, "user/1", "b/", null, 2);
        assertEquals(List.of("b/1", "b/2"), p1.entries().stream().map(EntryInfo::key).toList());
        assertEquals("b/2", p1.next());
        EntryPage p2 = m.list(alice1, "user/1", "b/", p1.next(), 2);
        assertEquals(List.of("b/3"), p2.entries().stream().map(EntryInfo::key).toList());
        assertNull(p2.next());
        assertEquals(5, m.list(alice1, "user/1", "", null, 10).entries().size());
    }

    @Test
    void searchMatchesAllWordsInKeyOrTextBestFirst() throws Exception {
        done(m.put(alice1, "user/1", "recipe", text("apple pie with apple and cinnamon")));
        done(m.put(alice1, "user/1", "apple-notes", text("pie")));
        done(m.put(alice1, "user/1", "other", text("apple only")));
        done(m.put(alice1, "user/1", "apple-blob", MemWrite.blob(new byte[] {1})));
        List<EntryInfo> hits = m.search(alice1, "user/1", "Apple PIE", 10);
        assertEquals(List.of("apple-notes", "recipe"), hits.stream().map(EntryInfo::key).toList());
        assertEquals(List.of("apple-blob", "apple-notes", "other", "recipe"),
                m.search(alice1, "user/1", "apple", 10).stream().map(EntryInfo::key).sorted().toList());
    }

    // ---- access

    @Test
    void aProcessCannotReadAnotherProcessSpaceWithoutTheCapability() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        SyscallException e = assertThrows(SyscallException.class, () -> m.get(bob2, "user/1", "k"));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:read:user/1"), e.getMessage());
        assertEquals("a", m.get(proc(3, "alice", "mem:read:user/1"), "user/1", "k").json().get("text").asText());
        e = assertThrows(SyscallException.class, () -> m.get(proc(2, "bob", "mem:read:user/1"), "user/1", "k"));
        assertEquals(Errno.EPERM, e.errno(), "the capability names the space, not another owner's data");
        assertTrue(e.getMessage().contains("owner alice"), e.getMessage());
        assertEquals("a", m.get(proc(2, "bob", "mem:read:user/1", "mem:admin"), "user/1", "k").json().get("text").asText());
    }

    @Test
    void aProcessCannotWriteAnotherProcessSpaceWithoutTheCapability() throws Exception {
        m.processStarted(1, "alice");
        SyscallException e = assertThrows(SyscallException.class, () -> m.put(bob2, "user/1", "k", text("x")));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:write:user/1"), e.getMessage());
        assertEquals(Errno.EPERM, errno(() -> m.put(proc(2, "bob", "mem:write:user/1"), "user/1", "k", text("x"))));
        done(m.put(proc(3, "alice", "mem:write:user/1"), "user/1", "k", text("x")));
    }

    @Test
    void onlyTheKernelWritesSystemAndEveryoneReadsIt() throws Exception {
        assertEquals(Errno.EPERM, errno(() -> m.put(alice1, "system", "k", text("x"))));
        assertEquals(Errno.EPERM, errno(() -> m.put(MemCaller.operator("root"), "system", "k", text("x"))));
        done(m.put(MemCaller.kernel(), "system", "k", text("x")));
        assertEquals("x", m.get(bob2, "system", "k").json().get("text").asText());
    }

    @Test
    void sharedSpacesNeedReadAndWriteCapabilities() throws Exception {
        m.share(proc(1, "alice", "mem:share:team"), "team", new SharedSpec(false, 0, Set.of("bob")));
        assertEquals(Errno.EPERM, errno(() -> m.put(alice1, "shared/team", "k", text("x"))));
        done(m.put(proc(1, "alice", "mem:write:shared/team"), "shared/team", "k", text("x")));
        SyscallException e = assertThrows(SyscallException.class, () -> m.get(bob2, "shared/team", "k"));
        assertTrue(e.getMessage().contains("mem:read:shared/team"), e.getMessage());
        assertEquals("x", m.get(proc(2, "bob", "mem:read:shared/team"), "shared/team", "k").json().get("text").asText());
    }

    @Test
    void aSharedSpaceReachesOnlyItsOwnerAndMembersWhateverTheirCapabilities() throws Exception {
        // mallory squats the name the team meant to use: the team's agents, holding mem:*:shared/team, reach nothing of hers
        SpaceInfo info = m.share(proc(9, "mallory", "mem:share:team"), "team", new SharedSpec(false, 0));
        assertEquals(Set.of(), info.members());
        MemCaller teamAgent = proc(1, "team", "mem:read:shared/team", "mem:write:shared/team");
        SyscallException e = assertThrows(SyscallException.class, () -> m.put(teamAgent, "shared/team", "plan", text("secret")));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("belongs to owner mallory"), e.getMessage());
        assertEquals(Errno.EPERM, errno(() -> m.get(teamAgent, "shared/team", "plan")));
        assertEquals(Errno.EPERM, errno(() -> m.tryLock(teamAgent, "shared/team", "L")));
        assertEquals(Errno.EEXIST, errno(() -> m.share(proc(1, "team", "mem:share:team"), "team", new SharedSpec(false, 0))),
                "the team learns the name is taken instead of writing into it");
        // a space its creator opens to named owners
        m.share(proc(1, "team", "mem:share:board"), "board", new SharedSpec(false, 0, Set.of("partner")));
        done(m.put(proc(2, "partner", "mem:write:shared/board"), "shared/board", "k", text("hello")));
        assertEquals("hello", m.get(proc(3, "team", "mem:read:shared/board"), "shared/board", "k").json().get("text").asText());
        assertEquals(Errno.EPERM, errno(() -> m.get(proc(9, "mallory", "mem:read:shared/board"), "shared/board", "k")));
        assertEquals(Set.of("partner"), m.space("shared/board").orElseThrow().members());
    }

    @Test
    void membersMustBeOwnerNames() {
        assertThrows(IllegalArgumentException.class, () -> new SharedSpec(false, 0, Set.of("a/../b")));
        assertThrows(IllegalArgumentException.class, () -> new SharedSpec(false, 0, Set.of("*")));
    }

    @Test
    void shareNeedsTheShareCapability() {
        SyscallException e = assertThrows(SyscallException.class, () -> m.share(alice1, "team", new SharedSpec(false, 0)));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:share:team"));
    }

    @Test
    void sharingAnExistingNameIsEEXIST() throws Exception {
        MemCaller c = proc(1, "alice", "mem:share:team");
        SpaceInfo info = m.share(c, "team", new SharedSpec(false, 0));
        assertEquals(SpaceKind.SHARED, info.kind());
        assertEquals("alice", info.owner());
        assertEquals(Errno.EEXIST, errno(() -> m.share(c, "team", new SharedSpec(false, 0))));
    }

    @Test
    void aPersistentSharedSpaceIsRefusedWithoutADataDirectory() {
        assertEquals(Errno.EINVAL, errno(() -> m.share(proc(1, "alice", "mem:share:p"), "p", new SharedSpec(true, 0))));
    }

    @Test
    void theOperatorReachesEverythingButSystemWrites() throws Exception {
        MemCaller op = MemCaller.operator("admin");
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals("a", m.get(op, "user/1", "k").json().get("text").asText());
        done(m.put(op, "user/1", "k2", text("b")));
        m.share(op, "ops", new SharedSpec(false, 0));
    }

    @Test
    void aSharedSpaceIsDeletedByItsOwnerOrAnAdmin() throws Exception {
        m.share(proc(1, "alice", "mem:share:t"), "t", new SharedSpec(false, 0));
        SyscallException e = assertThrows(SyscallException.class, () -> m.deleteSpace(bob2, "shared/t"));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:admin"));
        m.deleteSpace(proc(2, "bob", "mem:admin"), "shared/t");
        assertTrue(m.space("shared/t").isEmpty());
        m.share(proc(1, "alice", "mem:share:t"), "t", new SharedSpec(false, 0));
        m.deleteSpace(proc(7, "alice"), "shared/t");
        assertTrue(m.space("shared/t").isEmpty());
    }

    @Test
    void onlySharedSpacesAreDeleted() {
        assertEquals(Errno.EINVAL, errno(() -> m.deleteSpace(MemCaller.operator("op"), "system")));
        assertEquals(Errno.ENOENT, errno(() -> m.deleteSpace(MemCaller.operator("op"), "shared/none")));
    }

    @Test
    void aUserSpaceIsCreatedOnlyByItsOwnProcess() throws Exception {
        assertEquals(Errno.ENOENT, errno(() -> m.put(MemCaller.operator("op"), "user/9", "k", text("x"))));
        done(m.put(proc(9, "carol"), "user/9", "k", text("x")));
        assertEquals("carol", m.space("user/9").orElseThrow().owner());
    }

    @Test
    void processStartedCreatesAnEmptyUserSpace() {
        m.processStarted(5, "alice");
        SpaceInfo s = m.space("user/5").orElseThrow();
        assertEquals(0, s.entries());
        assertEquals(8000, s.tokenBudget());
        assertFalse(s.persistent());
    }

    // ---- quotas

    /** What an entry costs a quota: value, key and overhead. */
    private static long c(String key, int valueBytes) {
        return org.agentos.kernel.api.memory.MemKey.charge(key, valueBytes);
    }

    @Test
    void aWriteBeyondTheProcessQuotaIsEQUOTAAndChangesNothing() throws Exception {
        m.close();
        m = new MemoryStore(MemorySettings.defaults(null).withProcessQuota(c("a", 100)));
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        SyscallException e = assertThrows(SyscallException.class, () -> m.put(alice1, "user/1", "b", MemWrite.blob(new byte[50])));
        assertEquals(Errno.EQUOTA, e.errno());
        assertTrue(e.getMessage().contains("process quota") && e.getMessage().contains("125 bytes used + 115 more")
                && e.getMessage().contains("165"), e.getMessage());
        assertEquals(1, m.space("user/1").orElseThrow().entries());
        assertEquals(Errno.ENOENT, errno(() -> m.get(alice1, "user/1", "b")));
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[100]))); // a rewrite counts only its growth
    }

    @Test
    void keysAndEachEntryCountSoEmptyValuesUnderLongKeysAreNotFree() throws Exception {
        m.close();
        m = new MemoryStore(MemorySettings.defaults(null).withOwnerQuota(10_000, Map.of()));
        String prefix = "k".repeat(500);
        int written = 0;
        SyscallException full = null;
        for (int i = 0; i < 100 && full == null; i++) {
            try {
                done(m.put(alice1, "user/1", prefix + String.format("%02d", i), MemWrite.blob(new byte[0])));
                written++;
            } catch (SyscallException e) {
                full = e;
            }
        }
        assertEquals(Errno.EQUOTA, full == null ? null : full.errno(), "empty values under 502-character keys filled the quota");
        assertEquals(10_000 / c(prefix + "00", 0), written);
        assertEquals(written * c(prefix + "00", 0), m.usage().get(0).bytes());
    }

    @Test
    void aWriteBeyondASharedSpaceQuotaIsEQUOTA() throws Exception {
        MemCaller c = proc(1, "alice", "mem:share:q", "mem:write:shared/q");
        m.share(c, "q", new SharedSpec(false, 10));
        SyscallException e = assertThrows(SyscallException.class, () -> m.put(c, "shared/q", "k", MemWrite.blob(new byte[11])));
        assertEquals(Errno.EQUOTA, e.errno());
        assertTrue(e.getMessage().contains("space quota of shared/q"), e.getMessage());
    }

    @Test
    void aWriteBeyondTheOwnerQuotaIsEQUOTAAcrossSpaces() throws Exception {
        m.close();
        m = new MemoryStore(MemorySettings.defaults(null).withOwnerQuota(1000, Map.of("alice", c("a", 60) + c("a", 50) - 1)));
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        SyscallException e = assertThrows(SyscallException.class,
                () -> m.put(proc(3, "alice"), "user/3", "a", MemWrite.blob(new byte[50])));
        assertEquals(Errno.EQUOTA, e.errno());
        assertTrue(e.getMessage().contains("owner quota of alice") && e.getMessage().contains("239"), e.getMessage());
        done(m.put(bob2, "user/2", "a", MemWrite.blob(new byte[500]))); // bob has the default 1000
        MemUsage alice = m.usage().stream().filter(u -> u.owner().equals("alice")).findFirst().orElseThrow();
        assertEquals(c("a", 60), alice.bytes());
        assertEquals(239, alice.quotaBytes());
        assertEquals(2, alice.spaces());
    }

    @Test
    void aForkBeyondTheOwnerQuotaIsEQUOTA() throws Exception {
        m.close();
        m = new MemoryStore(MemorySettings.defaults(null).withOwnerQuota(200, Map.of()));
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        assertEquals(Errno.EQUOTA, errno(() -> m.fork(1, 4, "alice")));
        assertTrue(m.space("user/4").isEmpty());
        m.fork(1, 5, "bob");
        assertEquals(c("a", 60), m.usage().stream().filter(u -> u.owner().equals("bob")).findFirst().orElseThrow().bytes());
    }

    // ---- fork

    @Test
    void childSeesTheParentsEntriesAfterFork() throws Exception {
        done(m.put(alice1, "user/1", "k", text("parent")));
        m.fork(1, 4, "alice");
        assertEquals("parent", m.get(proc(4, "alice"), "user/4", "k").json().get("text").asText());
        assertEquals(1, m.space("user/4").orElseThrow().entries());
    }

    @Test
    void childDoesNotSeeParentWritesAfterFork() throws Exception {
        done(m.put(alice1, "user/1", "k", text("before")));
        m.fork(1, 4, "alice");
        done(m.put(alice1, "user/1", "k", text("after")));
        done(m.put(alice1, "user/1", "new", text("x")));
        MemCaller child = proc(4, "alice");
        assertEquals("before", m.get(child, "user/4", "k").json().get("text").asText());
        assertEquals(Errno.ENOENT, errno(() -> m.get(child, "user/4", "new")));
    }

    @Test
    void parentDoesNotSeeChildWritesAfterFork() throws Exception {
        done(m.put(alice1, "user/1", "k", text("before")));
        m.fork(1, 4, "alice");
        MemCaller child = proc(4, "alice");
        done(m.put(child, "user/4", "k", text("child")));
        done(m.delete(child, "user/4", "k"));
        assertEquals("before", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void forkOfAHundredThousandEntrySpaceCopiesNoPages() throws Exception {
        for (int i = 0; i < 100_000; i++) m.put(alice1, "user/1", "k" + i, MemWrite.blob(new byte[] {(byte) i}));
        long before = PageTree.PAGES_BUILT.sum();
        m.fork(1, 4, "alice");
        assertEquals(0, PageTree.PAGES_BUILT.sum() - before, "a fork builds no page");
        assertTrue(m.tree("user/1") == m.tree("user/4"), "parent and child share the root");
        assertEquals(100_000, m.space("user/4").orElseThrow().entries());
    }

    @Test
    void sharedBytesShrinkAsTheForkWrites() throws Exception {
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[100])));
        done(m.put(alice1, "user/1", "b", MemWrite.blob(new byte[50])));
        assertEquals(0, m.space("user/1").orElseThrow().sharedBytes());
        m.fork(1, 4, "alice");
        assertEquals(c("a", 100) + c("b", 50), m.space("user/4").orElseThrow().sharedBytes());
        assertEquals(c("a", 100) + c("b", 50), m.space("user/1").orElseThrow().sharedBytes());
        done(m.put(proc(4, "alice"), "user/4", "a", MemWrite.blob(new byte[10])));
        assertEquals(c("b", 50), m.space("user/4").orElseThrow().sharedBytes());
        m.processExited(4);
        assertEquals(0, m.space("user/1").orElseThrow().sharedBytes(), "nothing is shared once the relative is gone");
    }

    @Test
    void forkIntoANonEmptySpaceIsEEXIST() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        done(m.put(proc(4, "alice"), "user/4", "k", text("b")));
        assertEquals(Errno.EEXIST, errno(() -> m.fork(1, 4, "alice")));
    }

    @Test
    void forkReplacesAnEmptyStartedChildSpace() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        m.processStarted(4, "alice");
        m.fork(1, 4, "alice");
        assertEquals(1, m.space("user/4").orElseThrow().entries());
    }

    // ---- processes

    @Test
    void exitFreesTheUserSpace() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        m.processExited(1);
        assertTrue(m.space("user/1").isEmpty());
        assertTrue(m.usage().stream().noneMatch(u -> u.owner().equals("alice") && u.bytes() > 0));
    }

    @Test
    void exitKeepsTheUserSpaceWhenThePolicySaysSo() throws Exception {
        m.close();
        m = new MemoryStore(MemorySettings.defaults(null).withUserSpaces(true, true));
        done(m.put(alice1, "user/1", "k", text("a")));
        m.processExited(1);
        assertEquals(1, m.space("user/1").orElseThrow().entries());
    }

    // ---- locks and semaphores

    @Test
    void aLockHasOneHolder() throws Exception {
        MemCaller a = proc(1, "alice", "mem:share:s", "mem:write:shared/s");
        MemCaller b = proc(2, "bob", "mem:write:shared/s");
        m.share(a, "s", new SharedSpec(false, 0, Set.of("bob")));
        assertTrue(m.tryLock(a, "shared/s", "L"));
        assertTrue(m.tryLock(a, "shared/s", "L"), "the holder taking it again is fine");
        assertFalse(m.tryLock(b, "shared/s", "L"));
        m.unlock(a, "shared/s", "L");
        assertTrue(m.tryLock(b, "shared/s", "L"));
    }

    @Test
    void unlockByANonHolderIsEPERM() throws Exception {
        MemCaller a = proc(1, "alice", "mem:share:s", "mem:write:shared/s");
        MemCaller b = proc(2, "bob", "mem:write:shared/s");
        m.share(a, "s", new SharedSpec(false, 0, Set.of("bob")));
        m.tryLock(a, "shared/s", "L");
        assertEquals(Errno.EPERM, errno(() -> m.unlock(b, "shared/s", "L")));
        assertEquals(Errno.EPERM, errno(() -> m.unlock(a, "shared/s", "free")));
    }

    @Test
    void lockingNeedsWriteAccess() throws Exception {
        m.share(proc(1, "alice", "mem:share:s"), "s", new SharedSpec(false, 0));
        SyscallException e = assertThrows(SyscallException.class, () -> m.tryLock(bob2, "shared/s", "L"));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:write:shared/s"));
    }

    @Test
    void aSemaphoreIsCreatedWithInitialPermitsAndCounts() throws Exception {
        assertTrue(m.trySemAcquire(alice1, "user/1", "S", 2, 3));
        assertFalse(m.trySemAcquire(alice1, "user/1", "S", 2, 99), "one left; initial only applies at creation");
        assertTrue(m.trySemAcquire(alice1, "user/1", "S", 1, 99));
        m.semRelease(alice1, "user/1", "S", 3);
        assertTrue(m.trySemAcquire(alice1, "user/1", "S", 3, 0));
    }

    @Test
    void releasingMorePermitsThanHeldIsEINVAL() throws Exception {
        MemCaller op = MemCaller.operator("op");
        m.share(op, "s", new SharedSpec(false, 0, Set.of("alice", "bob")));
        MemCaller a = proc(1, "alice", "mem:write:shared/s");
        assertTrue(m.trySemAcquire(a, "shared/s", "S", 1, 2));
        assertTrue(m.trySemAcquire(op, "shared/s", "S", 1, 2));
        assertEquals(Errno.EINVAL, errno(() -> m.semRelease(a, "shared/s", "S", 2)));
        assertEquals(Errno.ENOENT, errno(() -> m.semRelease(a, "shared/s", "none", 1)));
    }

    @Test
    void acquiringMoreThanASemaphoreEverHasIsEINVAL() throws Exception {
        assertEquals(Errno.EINVAL, errno(() -> m.trySemAcquire(alice1, "user/1", "S", 3, 2)));
        assertEquals(Errno.EINVAL, errno(() -> m.trySemAcquire(alice1, "user/1", "S", 0, 2)));
    }

    @Test
    void exitReleasesLocksAndPermitsAndNamesThem() throws Exception {
        MemCaller op = MemCaller.operator("op");
        m.share(op, "s", new SharedSpec(false, 0, Set.of("alice", "bob")));
        MemCaller a = proc(1, "alice", "mem:write:shared/s");
        MemCaller b = proc(2, "bob", "mem:write:shared/s");
        m.tryLock(a, "shared/s", "L");
        m.trySemAcquire(a, "shared/s", "S", 2, 2);
        m.tryLock(b, "shared/s", "other");
        List<String> freed = m.processExited(1);
        assertEquals(List.of("shared/s#L", "shared/s#S"), freed);
        assertTrue(m.tryLock(b, "shared/s", "L"));
        assertTrue(m.trySemAcquire(b, "shared/s", "S", 2, 0));
        assertFalse(m.tryLock(a, "shared/s", "other"), "another's lock stays");
    }

    @Test
    void exitNamesTheObjectsOfTheFreedUserSpace() throws Exception {
        m.tryLock(alice1, "user/1", "mine");
        MemCaller b = proc(2, "alice", "mem:write:user/1");
        m.tryLock(b, "user/1", "bobs");
        assertEquals(List.of("user/1#mine", "user/1#bobs"), m.processExited(1));
    }
}
