package org.agentos.memory.hierarchical;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;

/**
 * A persistent (immutable) sorted map from String keys to values: a B+tree whose pages are never
 * changed once built. A write copies only the pages on the path from the root to its leaf
 * (about log32(n) pages), so a snapshot or a fork is just the root reference, O(1), and a space
 * and its fork share every page that neither has written since.
 *
 * <p>Pages are not merged after deletes (an emptied page is unlinked, a sparse one stays): the
 * height never exceeds what the inserts built, which is all the lookups need.
 */
final class PageTree<V> {
    /** Entries per leaf and children per inner page. */
    static final int FANOUT = 32;

    /** Pages ever built, for tests that check a fork copies nothing. */
    static final LongAdder PAGES_BUILT = new LongAdder();

    private static final PageTree<?> EMPTY = new PageTree<>(null, 0);

    private abstract static sealed class Page permits Leaf, Inner {
        Page() {
            PAGES_BUILT.increment();
        }
    }

    /** keys sorted, vals[i] under keys[i]. */
    private static final class Leaf extends Page {
        final String[] keys;
        final Object[] vals;

        Leaf(String[] keys, Object[] vals) {
            this.keys = keys;
            this.vals = vals;
        }
    }

    /** kids[0] holds keys below seps[0]; kids[i] holds keys in [seps[i-1], seps[i]). */
    private static final class Inner extends Page {
        final String[] seps;
        final Page[] kids;

        Inner(String[] seps, Page[] kids) {
            this.seps = seps;
            this.kids = kids;
        }

        int childFor(String key) {
            int i = Arrays.binarySearch(seps, key);
            return i >= 0 ? i + 1 : -i - 1;
        }
    }

    private final Page root;
    private final int size;

    private PageTree(Page root, int size) {
        this.root = root;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <V> PageTree<V> empty() {
        return (PageTree<V>) EMPTY;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    @SuppressWarnings("unchecked")
    V get(String key) {
        Page p = root;
        while (p instanceof Inner in) p = in.kids[in.childFor(key)];
        if (p == null) return null;
        Leaf leaf = (Leaf) p;
        int i = Arrays.binarySearch(leaf.keys, key);
        return i >= 0 ? (V) leaf.vals[i] : null;
    }

    /** This map with {@code value} under {@code key}. */
    PageTree<V> put(String key, V value) {
        if (root == null) return new PageTree<>(new Leaf(new String[] {key}, new Object[] {value}), 1);
        boolean[] added = new boolean[1];
        Page[] out = insert(root, key, value, added);
        Page newRoot = out.length == 1 ? out[0]
                : new Inner(new String[] {firstKey(out[1])}, new Page[] {out[0], out[1]});
        return new PageTree<>(newRoot, size + (added[0] ? 1 : 0));
    }

    /** This map without {@code key} (this very tree when it was absent). */
    PageTree<V> remove(String key) {
        if (root == null || get(key) == null) return this;
        Page r = delete(root, key);
        while (r instanceof Inner in && in.kids.length == 1) r = in.kids[0];
        return new PageTree<>(r, size - 1);
    }

    /**
     * Visits entries with keys greater than {@code after} (null: from the first) in key order
     * until {@code visitor} returns false.
     */
    void forEachAfter(String after, BiPredicate<String, V> visitor) {
        if (root != null) scan(root, after, false, visitor);
    }

    /** Visits entries with keys from {@code from} on (inclusive) in key order until {@code visitor} returns false. */
    void forEachFrom(String from, BiPredicate<String, V> visitor) {
        if (root != null) scan(root, from, true, visitor);
    }

    /** Every entry in key order. */
    void forEach(BiPredicate<String, V> visitor) {
        forEachAfter(null, visitor);
    }

    @SuppressWarnings("unchecked")
    private boolean scan(Page p, String after, boolean inclusive, BiPredicate<String, V> visitor) {
        if (p instanceof Leaf leaf) {
            int start = 0;
            if (after != null) {
                int i = Arrays.binarySearch(leaf.keys, after);
                start = i >= 0 ? (inclusive ? i : i + 1) : -i - 1;
            }
            for (int i = start; i < leaf.keys.length; i++) {
                if (!visitor.test(leaf.keys[i], (V) leaf.vals[i])) return false;
            }
            return true;
        }
        Inner in = (Inner) p;
        int start = after == null ? 0 : in.childFor(after);
        for (int i = start; i < in.kids.length; i++) {
            if (!scan(in.kids[i], i == start ? after : null, inclusive, visitor)) return false;
        }
        return true;
    }

    private static String firstKey(Page p) {
        while (p instanceof Inner in) p = in.kids[0];
        return ((Leaf) p).keys[0];
    }

    /** The page rewritten with the key, as one page or two (a split). */
    private static Page[] insert(Page p, String key, Object value, boolean[] added) {
        if (p instanceof Leaf leaf) {
            int i = Arrays.binarySearch(leaf.keys, key);
            if (i >= 0) {
                Object[] vals = leaf.vals.clone();
                vals[i] = value;
                return new Page[] {new Leaf(leaf.keys, vals)};
            }
            added[0] = true;
            int at = -i - 1;
            String[] keys = insertAt(leaf.keys, at, key);
            Object[] vals = insertAt(leaf.vals, at, value);
            if (keys.length <= FANOUT) return new Page[] {new Leaf(keys, vals)};
            int half = keys.length / 2;
            return new Page[] {
                new Leaf(Arrays.copyOfRange(keys, 0, half), Arrays.copyOfRange(vals, 0, half)),
                new Leaf(Arrays.copyOfRange(keys, half, keys.length), Arrays.copyOfRange(vals, half, vals.length))};
        }
        Inner in = (Inner) p;
        int c = in.childFor(key);
        Page[] sub = insert(in.kids[c], key, value, added);
        if (sub.length == 1) {
            Page[] kids = in.kids.clone();
            kids[c] = sub[0];
            return new Page[] {new Inner(in.seps, kids)};
        }
        Page[] kids = insertAt(in.kids, c + 1, sub[1]);
        kids[c] = sub[0];
        String[] seps = insertAt(in.seps, c, firstKey(sub[1]));
        if (kids.length <= FANOUT) return new Page[] {new Inner(seps, kids)};
        int half = kids.length / 2; // left keeps kids[0..half), right kids[half..]; seps[half-1] moves up
        return new Page[] {
            new Inner(Arrays.copyOfRange(seps, 0, half - 1), Arrays.copyOfRange(kids, 0, half)),
            new Inner(Arrays.copyOfRange(seps, half, seps.length), Arrays.copyOfRange(kids, half, kids.length))};
    }

    /** The page without the key (present), or null when it became empty. */
    private static Page delete(Page p, String key) {
        if (p instanceof Leaf leaf) {
            int i = Arrays.binarySearch(leaf.keys, key);
            if (leaf.keys.length == 1) return null;
            return new Leaf(removeAt(leaf.keys, i), removeAt(leaf.vals, i));
        }
        Inner in = (Inner) p;
        int c = in.childFor(key);
        Page sub = delete(in.kids[c], key);
        if (sub != null) {
            Page[] kids = in.kids.clone();
            kids[c] = sub;
            return new Inner(in.seps, kids);
        }
        if (in.kids.length == 1) return null;
        Page[] kids = removeAt(in.kids, c);
        // dropping child c drops the separator before it (or, for the first child, the one after it)
        String[] seps = removeAt(in.seps, c == 0 ? 0 : c - 1);
        return new Inner(seps, kids);
    }

    private static <T> T[] insertAt(T[] a, int at, T x) {
        T[] out = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, out, at + 1, a.length - at);
        out[at] = x;
        return out;
    }

    private static <T> T[] removeAt(T[] a, int at) {
        T[] out = Arrays.copyOf(a, a.length - 1);
        System.arraycopy(a, at + 1, out, at, a.length - at - 1);
        return out;
    }

    /** Height of the tree (0 when empty), for tests. */
    int height() {
        int h = 0;
        for (Page p = root; p != null; p = p instanceof Inner in ? in.kids[0] : null) h++;
        return h;
    }
}
