package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Locks and semaphores: never blocking, released on exit. */
class SyncTest {
    private static final String TEAM = "shared/team";
    private final MemCaller a = proc(1, "alice", "mem:write:" + TEAM);
    private final MemCaller b = proc(2, "bob", "mem:write:" + TEAM);
    private final HeapMemory m = HeapMemory.standalone();

    @BeforeEach
    void team() throws Exception {
        m.share(MemCaller.operator("alice"), "team", new SharedSpec(false, 0, Set.of("bob")));
    }

    @Test
    void aLockHasOneHolder() throws Exception {
        assertTrue(m.tryLock(a, TEAM, "L"));
        assertFalse(m.tryLock(b, TEAM, "L"), "held by another: false, not a wait");
        assertTrue(m.tryLock(a, TEAM, "L"), "its holder takes it again");
        m.unlock(a, TEAM, "L");
        assertTrue(m.tryLock(b, TEAM, "L"));
    }

    @Test
    void unlockByANonHolderIsEPERM() throws Exception {
        m.tryLock(a, TEAM, "L");
        var e = refused(() -> m.unlock(b, TEAM, "L"));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("held by pid 1"), e.getMessage());
        assertEquals(Errno.EPERM, refused(() -> m.unlock(b, TEAM, "free")).errno());
        assertFalse(m.tryLock(b, TEAM, "L"), "the lock is still held");
    }

    @Test
    void aLockNameFollowsTheKeyRules() {
        assertEquals(Errno.EINVAL, refused(() -> m.tryLock(a, TEAM, "")).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.trySemAcquire(a, TEAM, "a\tb", 1, 1)).errno());
    }

    @Test
    void aLockInAMissingSpaceIsENOENT() {
        assertEquals(Errno.ENOENT, refused(() -> m.tryLock(MemCaller.operator("x"), "shared/none", "L")).errno());
    }

    @Test
    void aSemaphoreIsCreatedWithInitialPermitsAndCounts() throws Exception {
        assertTrue(m.trySemAcquire(a, TEAM, "S", 2, 3));
        assertFalse(m.trySemAcquire(b, TEAM, "S", 2, 99), "one permit left; initial only matters at creation");
        assertTrue(m.trySemAcquire(b, TEAM, "S", 1, 0));
        m.semRelease(a, TEAM, "S", 2);
        assertTrue(m.trySemAcquire(b, TEAM, "S", 2, 0));
    }

    @Test
    void releasingMorePermitsThanHeldIsEINVAL() throws Exception {
        m.trySemAcquire(a, TEAM, "S", 1, 3);
        var e = refused(() -> m.semRelease(a, TEAM, "S", 2));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(Errno.EINVAL, refused(() -> m.semRelease(b, TEAM, "S", 1)).errno());
        assertFalse(m.trySemAcquire(b, TEAM, "S", 3, 0), "nothing was released");
    }

    @Test
    void releasingAMissingSemaphoreIsENOENT() {
        assertEquals(Errno.ENOENT, refused(() -> m.semRelease(a, TEAM, "none", 1)).errno());
    }

    @Test
    void acquiringMoreThanASemaphoreEverHasIsEINVAL() throws Exception {
        m.trySemAcquire(a, TEAM, "S", 1, 3);
        assertEquals(Errno.EINVAL, refused(() -> m.trySemAcquire(b, TEAM, "S", 4, 0)).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.trySemAcquire(b, TEAM, "T", 4, 3)).errno());
        assertEquals(List.of("shared/team#S"), m.deleteSpace(MemCaller.operator("alice"), TEAM),
                "a refused acquire does not create the semaphore");
    }

    @Test
    void nonPositivePermitsAreEINVAL() {
        assertEquals(Errno.EINVAL, refused(() -> m.trySemAcquire(a, TEAM, "S", 0, 3)).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.trySemAcquire(a, TEAM, "S", 1, -1)).errno());
        assertEquals(Errno.EINVAL, refused(() -> m.semRelease(a, TEAM, "S", 0)).errno());
    }

    @Test
    void exitReleasesLocksAndPermitsAndNamesThem() throws Exception {
        m.tryLock(a, TEAM, "L");
        m.trySemAcquire(a, TEAM, "S", 2, 2);
        m.tryLock(b, TEAM, "other");
        assertEquals(List.of("shared/team#L", "shared/team#S"), m.processExited(1));
        assertTrue(m.tryLock(b, TEAM, "L"));
        assertTrue(m.trySemAcquire(b, TEAM, "S", 2, 0));
        assertFalse(m.tryLock(a, TEAM, "other"), "another process's lock stays");
    }

    @Test
    void exitNamesTheObjectsOfTheFreedUserSpace() throws Exception {
        MemCaller p3 = proc(3, "carol");
        m.tryLock(p3, "user/3", "mine");
        m.trySemAcquire(proc(2, "carol", "mem:write:user/3"), "user/3", "sem", 1, 1);
        assertEquals(List.of("user/3#mine", "user/3#sem"), m.processExited(3));
        assertTrue(m.space("user/3").isEmpty());
    }

    @Test
    void aLockSurvivesInTheStateItIsExportedIn() throws Exception {
        m.tryLock(a, TEAM, "L");
        m.trySemAcquire(b, TEAM, "S", 1, 2);
        var team = m.exportState().spaces().stream().filter(s -> s.name().equals(TEAM)).findFirst().orElseThrow();
        assertEquals(Map.of("L", 1L), team.locks());
        assertEquals(1, team.semaphores().get(0).available());
        assertEquals(Map.of(2L, 1), team.semaphores().get(0).held());
    }
}
