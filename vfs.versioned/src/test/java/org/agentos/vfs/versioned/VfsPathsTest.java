package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

class VfsPathsTest {

    private static String refused(String path) {
        SyscallException e = assertThrows(SyscallException.class, () -> VfsPaths.normalize(path), path);
        assertEquals(Errno.EINVAL, e.errno());
        return e.getMessage();
    }

    @Test
    void redundantPartsAreDropped() throws Exception {
        assertEquals("/home/a/notes/x.txt", VfsPaths.normalize("/home/a/./notes//x.txt/"));
        assertEquals("/", VfsPaths.normalize("/"));
        assertEquals("/", VfsPaths.normalize("//./"));
        assertEquals("/shared/ünïcödé/日本", VfsPaths.normalize("/shared/ünïcödé/日本"));
    }

    @Test
    void dotDotIsRefusedEvenWhereItWouldStayInside() {
        assertTrue(refused("/home/a/../b/x").contains("'..'"));
        assertTrue(refused("/home/a/sub/../x").contains("'..'"));
        refused("/..");
    }

    @Test
    void relativeAndEmptyPathsAreRefused() {
        assertTrue(refused("home/a/x").contains("absolute"));
        refused("");
        refused(null);
        refused("./x");
    }

    @Test
    void nulAndControlCharactersAreRefused() {
        assertTrue(refused("/home/a/x\0.txt").contains("U+0000"));
        refused("/home/a/x\n");
        refused("/home/a/\u007f");
    }

    @Test
    void backslashesCannotSmuggleSeparators() {
        assertTrue(refused("/home/a/..\\..\\etc").contains("backslash"));
    }

    @Test
    void overlongNamesAndPathsAreRefused() throws Exception {
        VfsPaths.normalize("/home/a/" + "n".repeat(255));
        assertTrue(refused("/home/a/" + "n".repeat(256)).contains("255"));
        assertTrue(refused("/home/a/" + "é".repeat(128)).contains("255"), "bytes, not characters");
        StringBuilder deep = new StringBuilder();
        while (deep.length() <= 4096) deep.append("/abcdefgh");
        assertTrue(refused(deep.toString()).contains("4096"));
    }

    @Test
    void malformedUnicodeIsRefused() {
        refused("/home/a/\ud800x");
    }

    @Test
    void c1ControlsAndInvisibleFormattingCharactersAreRefused() {
        for (String bad : new String[] {"/home/a/x\u0085y", "/home/a/\u009b31m", "/home/a/report\u202Etxt.exe",
                "/home/a/\u2066x\u2069", "/home/a/zero\u200Bwidth", "/home/a/\uFEFFbom", "/home/a/join\u200Dx",
                "/home/a/line\u2028break", "/home/a/\u061Carabic-mark", "/home/a/soft\u00ADhyphen"}) {
            SyscallException e = assertThrows(SyscallException.class, () -> VfsPaths.normalize(bad), bad);
            assertEquals(Errno.EINVAL, e.errno());
        }
    }

    @Test
    void composedAndDecomposedSpellingsAreOneName() throws Exception {
        String composed = "/home/a/caf\u00e9";
        String decomposed = "/home/a/cafe\u0301";
        assertEquals(VfsPaths.normalize(composed), VfsPaths.normalize(decomposed));
        assertEquals(composed, VfsPaths.normalize(decomposed));
    }

    @Test
    void loneSurrogatesAreRefusedAndPairsAreNames() throws Exception {
        for (String bad : new String[] {"/home/a/\uDC00x", "/home/a/x\uD800", "/home/a/\uD800\uD800\uDC00", "/home/a/\uDC00\uD800"}) {
            assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> VfsPaths.normalize(bad), bad).errno());
        }
        assertEquals("/home/a/\uD83D\uDE00", VfsPaths.normalize("/home/a/\uD83D\uDE00"));
    }

    @Test
    void aPathOfExactlyTheLimitIsAllowedAndOneByteMoreIsNot() throws Exception {
        StringBuilder b = new StringBuilder("/h");
        while (b.length() + 201 <= VfsPaths.MAX_PATH_BYTES) b.append('/').append("x".repeat(200));
        int left = VfsPaths.MAX_PATH_BYTES - b.length() - 1; // after the '/'
        b.append('/').append("y".repeat(left));
        String exact = b.toString();
        assertEquals(VfsPaths.MAX_PATH_BYTES, exact.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals(exact, VfsPaths.normalize(exact));
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> VfsPaths.normalize(exact + "z")).errno());
        // bytes, not characters: a two-byte character over the limit counts twice
        String twoByte = exact.substring(0, exact.length() - 1) + "\u00e9";
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> VfsPaths.normalize(twoByte)).errno());
    }

    @Test
    void withinComparesWholeSegments() {
        assertTrue(VfsPaths.within("/home/a/x", "/home/a"));
        assertTrue(VfsPaths.within("/home/a", "/home/a"));
        assertFalse(VfsPaths.within("/home/ab/x", "/home/a"), "a prefix of a name is not a parent");
        assertEquals("/home/a", VfsPaths.parent("/home/a/x"));
        assertEquals("/", VfsPaths.parent("/home"));
        assertEquals("x", VfsPaths.name("/home/a/x"));
    }

    @Test
    void absoluteTricksStayWhereTheyPoint() throws Exception {
        // a second root inside a path is just a sub-directory of the first
        assertEquals("/home/alice/home/bob/x", VfsPaths.normalize("/home/alice//home/bob/x"));
        assertTrue(VfsPaths.within(VfsPaths.normalize("/home/alice//home/bob/x"), "/home/alice"));
        assertFalse(VfsPaths.within(VfsPaths.normalize("/home/alice//home/bob/x"), "/home/bob"));
    }

    @Test
    void symlinkLikeAndEncodedEscapesAreOnlyNames() throws Exception {
        // there are no links and no decoding: these are literal names inside the workspace
        assertEquals("/home/alice/%2e%2e/bob", VfsPaths.normalize("/home/alice/%2e%2e/bob"));
        assertEquals("/home/alice/..~/bob", VfsPaths.normalize("/home/alice/..~/bob"));
        assertEquals("/home/alice/link -> /etc/passwd", VfsPaths.normalize("/home/alice/link -> /etc/passwd"));
        assertTrue(VfsPaths.within(VfsPaths.normalize("/home/alice/%2e%2e/bob"), "/home/alice"));
        // a dot-dot hidden among dots is still refused
        refused("/home/alice/./../bob");
        refused("/home/alice/x/./..");
    }
}
