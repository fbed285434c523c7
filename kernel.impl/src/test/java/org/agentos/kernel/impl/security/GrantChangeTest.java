package org.agentos.kernel.impl.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrantChangeTest {
    private static final Set<String> VFS_ASKS = Set.of("kernel.admin", "tool.provide", "mem.admin");
    private static final Map<String, Set<String>> BEFORE = Map.of(
            "org.agentos.vfs.versioned", Set.of("kernel.admin", "tool.provide", "mem.admin"),
            "org.agentos.tools.example", Set.of("tool.provide"));

    @Test
    void aRevokeFromOneBundleTakesNothingFromAnother() {
        GrantChange change = new GrantChange(BEFORE, Map.of("org.agentos.vfs.versioned", VFS_ASKS));
        assertEquals(Set.of("tool.provide"), change.lostBy("org.agentos.tools.example", Set.of("tool.provide")));
        assertTrue(change.lostBy("org.agentos.vfs.versioned", VFS_ASKS).isEmpty());
    }

    @Test
    void aGrantTakesNothingFromAnyone() {
        GrantChange change = new GrantChange(Map.of("org.agentos.vfs.versioned", VFS_ASKS), BEFORE);
        assertTrue(change.lostBy("org.agentos.tools.example", Set.of("tool.provide")).isEmpty());
        assertTrue(change.lostBy("org.agentos.vfs.versioned", VFS_ASKS).isEmpty());
    }

    @Test
    void aPermissionABundleNeverAskedForIsNotLostWhenItsGrantGoes() {
        GrantChange change = new GrantChange(Map.of("org.example.a", Set.of("fs.admin", "tool.provide")),
                Map.of("org.example.a", Set.of("tool.provide")));
        assertTrue(change.lostBy("org.example.a", Set.of("tool.provide")).isEmpty());
        assertEquals(Set.of("fs.admin"), change.lostBy("org.example.a", Set.of("tool.provide", "fs.admin")));
    }

    @Test
    void aRevokeFromAGlobEntryIsLostByEveryBundleItMatchesAndOnlyThem() {
        GrantChange change = new GrantChange(Map.of("org.example.*", Set.of("kernel.admin")), Map.of());
        assertEquals(Set.of("kernel.admin"), change.lostBy("org.example.a", Set.of("kernel.admin")));
        assertTrue(change.lostBy("org.other.a", Set.of("kernel.admin")).isEmpty());
    }

    @Test
    void aPermissionStillGrantedByAGlobIsNotLost() {
        GrantChange change = new GrantChange(Map.of("org.example.*", Set.of("kernel.admin"), "org.example.a", Set.of("kernel.admin")),
                Map.of("org.example.*", Set.of("kernel.admin")));
        assertTrue(change.lostBy("org.example.a", Set.of("kernel.admin")).isEmpty());
    }

    @Test
    void grantedAndRevokedNameEachEntryWithWhatChangedInIt() {
        GrantChange change = new GrantChange(BEFORE, Map.of(
                "org.agentos.vfs.versioned", Set.of("kernel.admin", "tool.provide", "fs.admin"),
                "org.example.new", Set.of("tool.provide")));
        assertEquals(Map.of("org.agentos.vfs.versioned", Set.of("fs.admin"), "org.example.new", Set.of("tool.provide")),
                change.granted());
        assertEquals(Map.of("org.agentos.vfs.versioned", Set.of("mem.admin"), "org.agentos.tools.example", Set.of("tool.provide")),
                change.revoked());
        assertTrue(new GrantChange(BEFORE, BEFORE).isEmpty());
    }
}
