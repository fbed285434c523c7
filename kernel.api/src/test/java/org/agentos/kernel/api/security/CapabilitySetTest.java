package org.agentos.kernel.api.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

class CapabilitySetTest {

    private static CapabilitySet caps(String... p) throws SyscallException {
        return CapabilitySet.of(List.of(p));
    }

    @Test
    void singleStarStopsAtSeparators() throws Exception {
        CapabilitySet c = caps("fs:read:/home/*");
        assertTrue(c.permits("fs:read:/home/alice"));
        assertFalse(c.permits("fs:read:/home/alice/notes"));
        assertFalse(c.permits("fs:write:/home/alice"));
    }

    @Test
    void doubleStarCrossesSeparators() throws Exception {
        CapabilitySet c = caps("fs:read:/home/**");
        assertTrue(c.permits("fs:read:/home/alice/notes/today"));
        assertFalse(c.permits("fs:read:/etc/passwd"));
        assertTrue(CapabilitySet.ALL.permits("anything:at/all"));
    }

    @Test
    void literalPatternPermitsOnlyItself() throws Exception {
        CapabilitySet c = caps("proc:spawn");
        assertTrue(c.permits("proc:spawn"));
        assertFalse(c.permits("proc:spawned"));
        assertFalse(c.permits("proc:kill"));
    }

    @Test
    void childMayNarrowButNotWiden() throws Exception {
        CapabilitySet parent = caps("fs:read:/home/**", "proc:*");
        assertTrue(parent.covers("fs:read:/home/alice/**"));
        assertTrue(parent.covers("proc:spawn"));
        assertTrue(parent.covers("proc:*"));
        assertFalse(parent.covers("fs:read:/**"));
        assertFalse(parent.covers("fs:write:/home/alice"));
    }

    @Test
    void singleStarDoesNotCoverDoubleStar() throws Exception {
        // "a:*" grants one segment; a child asking for "a:**" would gain deeper ones.
        assertFalse(caps("a:*").covers("a:**"));
        assertTrue(caps("a:**").covers("a:*"));
    }

    @Test
    void attenuationNamesTheMissingCapability() throws Exception {
        CapabilitySet parent = caps("proc:spawn");
        SyscallException e = assertThrows(SyscallException.class,
                () -> parent.attenuate(caps("proc:spawn", "net:connect")));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("net:connect"), e.getMessage());
    }

    @Test
    void malformedPatternsAreEinval() {
        for (String bad : new String[] {"", "a b", "x:***", "x".repeat(300)}) {
            SyscallException e = assertThrows(SyscallException.class, () -> caps(bad));
            assertEquals(Errno.EINVAL, e.errno());
        }
    }

    @Test
    void aStarStopsAtColonsSoOneSegmentNeverReachesAnother() throws Exception {
        CapabilitySet s = CapabilitySet.of(List.of("fs:*", "tool:*"));
        assertFalse(s.permits("fs:read:/home/a"));
        assertFalse(s.permits("tool:http.fetch:host=example.org"));
        assertTrue(s.permits("tool:json.query"));
        assertFalse(CapabilitySet.of(List.of("fs:read:*")).permits("fs:read::x"), "a star does not span an empty part and the rest");
        assertTrue(CapabilitySet.of(List.of("tool:http.fetch:**")).permits("tool:http.fetch:host=[::1]"), "IPv6 hosts have empty parts");
        assertFalse(CapabilitySet.of(List.of("fs:read:/home/*")).permits("fs:read:/home/a/b"));
    }

    @Test
    void dotSegmentsAndControlCharactersInARequestAreNeverPermitted() throws Exception {
        CapabilitySet s = CapabilitySet.of(List.of("fs:read:/home/alice/**", "ipc:send:*", "**"));
        CapabilitySet alice = CapabilitySet.of(List.of("fs:read:/home/alice/**"));
        for (String r : new String[] {"fs:read:/home/alice/../bob/x", "fs:read:/home/alice/..", "fs:read:/home/alice/./x",
                "fs:read:/home/alice/x/../../bob", "fs:read:/home/alice/x\u0000/../../bob", "fs:read:/home/alice/x\n",
                "fs:read:/home/alice/\u0085x", "ipc:send:..", "fs:read:/home/alice/\u2028"}) {
            assertFalse(alice.permits(r), r);
            assertFalse(s.permits(r), "not even ** permits " + r);
        }
        // names that merely contain dots are names
        assertTrue(alice.permits("fs:read:/home/alice/.profile"));
        assertTrue(alice.permits("fs:read:/home/alice/a..b"));
        assertTrue(alice.permits("fs:read:/home/alice/..."));
    }

    @Test
    void trailingSlashesAndEmptySegmentsStayInsideTheTree() throws Exception {
        CapabilitySet alice = CapabilitySet.of(List.of("fs:read:/home/alice/**"));
        assertTrue(alice.permits("fs:read:/home/alice"));
        assertTrue(alice.permits("fs:read:/home/alice/"));
        assertTrue(alice.permits("fs:read:/home/alice//x"));
        assertFalse(alice.permits("fs:read:/home/alice2"));
        assertFalse(alice.permits("fs:read:/home/alicex/y"));
        assertFalse(alice.permits("fs:read:/home"));
    }

    @Test
    void aDoubleStarInTheMiddleCrossesSeparatorsButKeepsTheRest() throws Exception {
        CapabilitySet s = CapabilitySet.of(List.of("fs:**:/tmp/x"));
        assertTrue(s.permits("fs:read:/tmp/x"));
        assertTrue(s.permits("fs:read:/a/b:/tmp/x"), "** crosses : and /");
        assertFalse(s.permits("fs:read:/tmp/x/y"));
        assertFalse(s.covers("fs:**"));
        assertFalse(CapabilitySet.of(List.of("fs:*:/tmp/x")).covers("fs:**:/tmp/x"));
    }

    @Test
    void controlCharactersInAPatternAreEinval() {
        for (String bad : new String[] {"fs:read:/a\u0000", "fs:read:/a\tb", "proc:\u007fspawn", "fs:read:/\u0085"}) {
            assertThrows(SyscallException.class, () -> CapabilitySet.of(List.of(bad)), bad);
        }
    }

    @Test
    void wellKnownSetsAreShared() throws Exception {
        assertSame(CapabilitySet.ALL, caps("**"));
        assertSame(CapabilitySet.NONE, caps());
    }

    @org.junit.jupiter.api.Test
    void aTrailingDoubleStarAlsoCoversTheDirectoryItself() throws Exception {
        CapabilitySet s = CapabilitySet.of(java.util.List.of("fs:read:/home/a/**"));
        org.junit.jupiter.api.Assertions.assertTrue(s.permits("fs:read:/home/a"));
        org.junit.jupiter.api.Assertions.assertTrue(s.permits("fs:read:/home/a/x/y"));
        org.junit.jupiter.api.Assertions.assertFalse(s.permits("fs:read:/home/ab"));
        org.junit.jupiter.api.Assertions.assertFalse(s.permits("fs:read:/home"));
        org.junit.jupiter.api.Assertions.assertTrue(s.covers("fs:read:/home/a"));
    }
}
