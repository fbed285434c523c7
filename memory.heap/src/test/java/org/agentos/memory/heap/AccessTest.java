package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

/** Who reaches which space; every denial is EPERM naming the capability missing. */
class AccessTest {
    private static final MemCaller OP = MemCaller.operator("alice");
    private final MemCaller alice1 = proc(1, "alice");
    private final MemCaller bob2 = proc(2, "bob");
    private final HeapMemory m = HeapMemory.standalone();

    private static void deniedFor(String capability, SyscallException e) {
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().endsWith("it needs " + capability), e.getMessage());
    }

    @Test
    void aProcessReadsAndWritesItsOwnSpaceWithoutCapabilities() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals("a", m.get(alice1, "user/1", "k").json().get("text").asText());
    }

    @Test
    void readingAnotherProcessSpaceNeedsMemRead() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        deniedFor("mem:read:user/1", refused(() -> m.get(bob2, "user/1", "k")));
        deniedFor("mem:read:user/1", refused(() -> m.list(bob2, "user/1", "", null, 10)));
        deniedFor("mem:read:user/1", refused(() -> m.search(bob2, "user/1", "a", 10)));
        assertEquals("a", m.get(proc(3, "alice", "mem:read:user/1"), "user/1", "k").json().get("text").asText());
        SyscallException e = refused(() -> m.get(proc(2, "bob", "mem:read:user/1"), "user/1", "k"));
        assertEquals(Errno.EPERM, e.errno(), "the capability names the space, not another owner's data");
        assertTrue(e.getMessage().contains("owner alice"), e.getMessage());
    }

    @Test
    void writingAnotherProcessSpaceNeedsMemWrite() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        deniedFor("mem:write:user/1", refused(() -> m.put(bob2, "user/1", "k", text("b"))));
        deniedFor("mem:write:user/1", refused(() -> m.delete(bob2, "user/1", "k")));
        deniedFor("mem:write:user/1", refused(() -> m.cas(bob2, "user/1", "k", 1, text("b"))));
        deniedFor("mem:write:user/1", refused(() -> m.put(proc(2, "bob", "mem:read:user/1"), "user/1", "k", text("b"))));
        assertEquals(Errno.EPERM, refused(() -> m.put(proc(2, "bob", "mem:write:user/1"), "user/1", "k", text("b"))).errno());
        assertEquals(2, done(m.put(proc(3, "alice", "mem:write:user/1"), "user/1", "k", text("b"))).version());
    }

    @Test
    void everyoneReadsSystem() throws Exception {
        done(m.put(MemCaller.kernel(), "system", "boot", text("ok")));
        assertEquals("ok", m.get(bob2, "system", "boot").json().get("text").asText());
    }

    @Test
    void onlyTheKernelWritesSystem() {
        for (MemCaller c : new MemCaller[] {bob2, OP, proc(3, "root", "mem:write:system", "mem:admin")}) {
            SyscallException e = refused(() -> m.put(c, "system", "k", text("x")));
            assertEquals(Errno.EPERM, e.errno());
            assertTrue(e.getMessage().contains("only the kernel"), e.getMessage());
        }
    }

    @Test
    void sharedSpacesNeedReadAndWriteCapabilities() throws Exception {
        m.share(OP, "team", new SharedSpec(false, 0, Set.of("bob")));
        done(m.put(OP, "shared/team", "k", text("a")));
        deniedFor("mem:read:shared/team", refused(() -> m.get(bob2, "shared/team", "k")));
        deniedFor("mem:write:shared/team", refused(() -> m.put(bob2, "shared/team", "k", text("b"))));
        MemCaller both = proc(2, "bob", "mem:read:shared/team", "mem:write:shared/team");
        assertEquals("a", m.get(both, "shared/team", "k").json().get("text").asText());
        assertEquals(2, done(m.put(both, "shared/team", "k", text("b"))).version());
    }

    @Test
    void aSharedSpaceReachesOnlyItsOwnerAndMembersWhateverTheirCapabilities() throws Exception {
        m.share(proc(9, "mallory", "mem:share:team"), "team", new SharedSpec(false, 0)); // squatted
        MemCaller teamAgent = proc(1, "team", "mem:read:shared/team", "mem:write:shared/team");
        SyscallException e = refused(() -> m.put(teamAgent, "shared/team", "plan", text("secret")));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("belongs to owner mallory"), e.getMessage());
        assertEquals(Errno.EPERM, refused(() -> m.get(teamAgent, "shared/team", "plan")).errno());
        assertEquals(Errno.EPERM, refused(() -> m.tryLock(teamAgent, "shared/team", "L")).errno());
        m.share(proc(1, "team", "mem:share:board"), "board", new SharedSpec(false, 0, Set.of("partner")));
        done(m.put(proc(2, "partner", "mem:write:shared/board"), "shared/board", "k", text("hello")));
        assertEquals(Errno.EPERM, refused(() -> m.get(proc(9, "mallory", "mem:read:shared/board"), "shared/board", "k")).errno());
        assertEquals(Set.of("partner"), m.space("shared/board").orElseThrow().members());
    }

    @Test
    void shareNeedsTheShareCapability() {
        deniedFor("mem:share:team", refused(() -> m.share(bob2, "team", new SharedSpec(false, 0))));
        assertTrue(m.space("shared/team").isEmpty());
    }

    @Test
    void aSharedSpaceIsDeletedByItsOwnerOrAnAdmin() throws Exception {
        m.share(proc(3, "carol", "mem:share:a", "mem:share:b"), "a", new SharedSpec(false, 0));
        m.share(proc(3, "carol", "mem:share:b"), "b", new SharedSpec(false, 0));
        deniedFor("mem:admin", refused(() -> m.deleteSpace(bob2, "shared/a")));
        m.deleteSpace(proc(9, "carol"), "shared/a");
        m.deleteSpace(proc(2, "bob", "mem:admin"), "shared/b");
        assertTrue(m.space("shared/a").isEmpty());
        assertTrue(m.space("shared/b").isEmpty());
    }

    @Test
    void lockingAndSemaphoresNeedWriteAccess() throws Exception {
        m.share(OP, "team", new SharedSpec(false, 0, Set.of("bob")));
        deniedFor("mem:write:shared/team", refused(() -> m.tryLock(bob2, "shared/team", "L")));
        deniedFor("mem:write:shared/team", refused(() -> m.trySemAcquire(bob2, "shared/team", "S", 1, 1)));
        deniedFor("mem:write:user/1", refused(() -> m.tryLock(bob2, "user/1", "L")));
        assertEquals(Errno.EPERM, refused(() -> m.tryLock(bob2, "system", "L")).errno());
    }

    @Test
    void theOperatorReachesOtherSpacesByItsCapabilities() throws Exception {
        done(m.put(alice1, "user/1", "k", text("a")));
        assertEquals("a", m.get(OP, "user/1", "k").json().get("text").asText());
        assertEquals(2, done(m.put(OP, "user/1", "k", text("b"))).version());
        assertEquals(0, done(m.put(OP, "user/1", "k", text("b"))).modifiedBy());
    }
}
