package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class LineDiffTest {
    @Test
    void equalTextsHaveNoDiff() {
        assertEquals("", LineDiff.unified("a\nb\n", "a\nb\n", "v1", "v2"));
    }

    @Test
    void aChangedLineIsAHunkWithContext() {
        String a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        String b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assertEquals("--- v1\n+++ v2\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
                LineDiff.unified(a, b, "v1", "v2"));
    }

    @Test
    void additionsAtTheEndAndFromEmpty() {
        assertEquals("--- a\n+++ b\n@@ -1,1 +1,2 @@\n x\n+y\n", LineDiff.unified("x\n", "x\ny\n", "a", "b"));
        assertEquals("--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n", LineDiff.unified("", "new\n", "a", "b"));
    }

    @Test
    void distantChangesAreSeparateHunks() {
        StringBuilder a = new StringBuilder();
        for (int i = 0; i < 30; i++) a.append(i).append('\n');
        String b = a.toString().replace("\n2\n", "\ntwo\n").replace("\n25\n", "\ntwenty-five\n");
        String d = LineDiff.unified(a.toString(), b, "a", "b");
        assertEquals(2, d.split("@@ -").length - 1, d);
    }

    @Test
    void aHugeChangedMiddleIsRefused() {
        String a = "x\n".repeat(3000);
        String b = "y\n".repeat(3000);
        assertNull(LineDiff.unified(a, b, "a", "b"));
    }
}
