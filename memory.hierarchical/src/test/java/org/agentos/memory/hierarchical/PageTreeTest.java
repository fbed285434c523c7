package org.agentos.memory.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PageTreeTest {

    private static List<String> keys(PageTree<Integer> t) {
        List<String> out = new ArrayList<>();
        t.forEach((k, v) -> out.add(k));
        return out;
    }

    @Test
    void randomPutsAndRemovesBehaveLikeATreeMap() {
        Random r = new Random(42);
        TreeMap<String, Integer> expected = new TreeMap<>();
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 50_000; i++) {
            String k = "k" + r.nextInt(5000);
            if (r.nextInt(3) == 0) {
                expected.remove(k);
                t = t.remove(k);
            } else {
                expected.put(k, i);
                t = t.put(k, i);
            }
        }
        assertEquals(expected.size(), t.size());
        assertEquals(new ArrayList<>(expected.keySet()), keys(t));
        for (Map.Entry<String, Integer> e : expected.entrySet()) assertEquals(e.getValue(), t.get(e.getKey()));
        assertNull(t.get("absent"));
    }

    @Test
    void removingEverythingLeavesAnEmptyTree() {
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 5000; i++) t = t.put(String.format("%05d", i), i);
        for (int i = 4999; i >= 0; i -= 2) t = t.remove(String.format("%05d", i));
        for (int i = 0; i < 5000; i += 2) t = t.remove(String.format("%05d", i));
        assertEquals(0, t.size());
        assertTrue(keys(t).isEmpty());
        assertEquals(0, t.height());
        t = t.put("again", 1);
        assertEquals(1, t.get("again"));
    }

    @Test
    void anOldVersionIsUnchangedByLaterWrites() {
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 2000; i++) t = t.put("k" + i, i);
        PageTree<Integer> snapshot = t;
        for (int i = 0; i < 2000; i += 3) t = t.put("k" + i, -i);
        for (int i = 1; i < 2000; i += 3) t = t.remove("k" + i);
        assertEquals(2000, snapshot.size());
        for (int i = 0; i < 2000; i++) assertEquals(i, snapshot.get("k" + i));
        assertEquals(-3, t.get("k3"));
        assertNull(t.get("k1"));
    }

    @Test
    void aWriteCopiesOnlyThePathToItsLeaf() {
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 100_000; i++) t = t.put(String.format("%06d", i), i);
        int height = t.height();
        assertTrue(height >= 3 && height <= 5, "height " + height);
        long before = PageTree.PAGES_BUILT.sum();
        t = t.put("050000", 7);
        assertEquals(height, PageTree.PAGES_BUILT.sum() - before, "an overwrite rebuilds one page per level");
        before = PageTree.PAGES_BUILT.sum();
        t.remove("050001");
        assertTrue(PageTree.PAGES_BUILT.sum() - before <= height);
    }

    @Test
    void forEachAfterStartsAfterTheKeyAndStopsWhenAsked() {
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 1000; i++) t = t.put(String.format("%04d", i), i);
        List<String> seen = new ArrayList<>();
        t.forEachAfter("0499", (k, v) -> {
            seen.add(k);
            return seen.size() < 3;
        });
        assertEquals(List.of("0500", "0501", "0502"), seen);
        seen.clear();
        t.forEachAfter("0499x", (k, v) -> seen.add(k) && seen.size() < 1);
        assertEquals(List.of("0500"), seen);
    }

    @Test
    void forEachFromIncludesTheKey() {
        PageTree<Integer> t = PageTree.empty();
        for (int i = 0; i < 1000; i++) t = t.put(String.format("%04d", i), i);
        List<String> seen = new ArrayList<>();
        t.forEachFrom("0700", (k, v) -> seen.add(k) && seen.size() < 2);
        assertEquals(List.of("0700", "0701"), seen);
    }

    @Test
    void removingAnAbsentKeyReturnsTheSameTree() {
        PageTree<Integer> t = PageTree.<Integer>empty().put("a", 1);
        assertSame(t, t.remove("b"));
    }

    @Test
    void overwriteKeepsTheSize() {
        PageTree<Integer> t = PageTree.<Integer>empty().put("a", 1).put("a", 2);
        assertEquals(1, t.size());
        assertEquals(2, t.get("a"));
    }
}
