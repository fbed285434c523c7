package org.agentos.vfs.versioned;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.agentos.kernel.api.fs.WorkspaceTrees;

/**
 * The forks' views of the files, layered as overlayfs layers them: a fork sees its workspace
 * trees through a layer of its own, {@code /home/<owner>/.forks/<pid>}, over what the process it
 * was forked from sees (the files as they are, or that process's own view). A fork costs one
 * record, whatever its files: its layer holds what it changed (new versions, deletions), and
 * what the layer below changed after the fork, kept for it just before the change (a version
 * naming the same chunks, or a deletion where it saw nothing), so that it goes on seeing the
 * files of the moment it was forked. Kept in the filesystem's log ({@link LogRecords#VIEW}).
 * Changed on the log thread only (and at open); {@link #resolve} and the other reads from any thread.
 */
final class ForkViews {
    static final String FORKS = WorkspaceTrees.FORKS;

    /**
     * Process {@code pid} sees {@code trees} through its layer at {@code base}, over what process
     * {@code below} sees (0: the files as they are). {@code ended}: its process has ended; the view
     * stays while forks of it see through it.
     */
    record View(long pid, String owner, String base, List<String> trees, long below, boolean ended) {
        boolean covers(String path) {
            for (String t : trees) if (path.equals(t) || path.startsWith(t + "/")) return true;
            return false;
        }
    }

    private final Map<Long, View> views = new ConcurrentHashMap<>();
    /** The views over a tree of a view (or of the files, 0), by {@code below + NUL + tree}: who sees a changing path. */
    private final Map<String, List<View>> over = new ConcurrentHashMap<>();

    /** Where a process's layer goes. */
    static String base(String owner, long pid) {
        return "/home/" + owner + "/" + FORKS + "/" + pid;
    }

    boolean isEmpty() {
        return views.isEmpty();
    }

    /** The view of process {@code pid}, or null: it sees the files as they are. */
    View of(long pid) {
        return pid <= 0 ? null : views.get(pid);
    }

    /**
     * The store path that holds {@code path} as process {@code pid} sees it: the entry (a version
     * or a deletion) of the first layer that has one, else the path itself. A home's forks are
     * never seen through: in a view they are its own layer's only.
     */
    String resolve(long pid, String path, Predicate<String> hasEntry) {
        for (View v = of(pid); v != null && v.covers(path); v = of(v.below())) {
            String own = v.base() + path;
            if (hasEntry.test(own) || WorkspaceTrees.inForks(path)) return own;
        }
        return path;
    }

    /** Whether any layer {@code pid} sees {@code path} through passes {@code test} (the files as they are included). */
    boolean anyLayer(long pid, String path, Predicate<String> test) {
        for (View v = of(pid); v != null && v.covers(path); v = of(v.below())) {
            if (test.test(v.base() + path)) return true;
            if (WorkspaceTrees.inForks(path)) return false;
        }
        return test.test(path);
    }

    /**
     * The names directly in {@code dir} as process {@code pid} sees it ({@code list}: a store
     * directory's names, directories ending in '/'; {@code deleted}: the names of its deletions):
     * each layer's, then what is below it except what a layer above deleted.
     */
    List<String> names(long pid, String dir, Function<String, List<String>> list, Function<String, List<String>> deleted) {
        TreeSet<String> out = new TreeSet<>();
        Set<String> hidden = new HashSet<>();
        for (View v = of(pid); v != null && v.covers(dir); v = of(v.below())) {
            for (String n : list.apply(v.base() + dir)) if (!hidden.contains(n)) out.add(n);
            if (WorkspaceTrees.inForks(dir)) return new ArrayList<>(out);
            hidden.addAll(deleted.apply(v.base() + dir));
            if (dir.split("/").length == 3) hidden.add(FORKS + "/"); // a home's forks are not seen through
        }
        for (String n : list.apply(dir)) if (!hidden.contains(n)) out.add(n);
        return new ArrayList<>(out);
    }

    /** A path the store keeps for a fork before a change: {@code layer} (in its layer) gets what {@code seen} holds. */
    record Keep(String layer, String seen, String holder) {}

    /**
     * What the forks that see store path {@code changing} through their layer need kept before it
     * changes: for each, the entry it sees now (a fork with its own entry there needs nothing).
     */
    List<Keep> keepBefore(String changing, Predicate<String> hasEntry) {
        if (views.isEmpty()) return List.of();
        View layer = layerOf(changing);
        long below = layer == null ? 0 : layer.pid();
        String path = layer == null ? changing : changing.substring(layer.base().length());
        if (WorkspaceTrees.inForks(path)) return List.of(); // never seen through
        List<Keep> keep = new ArrayList<>();
        for (String up = path; up.lastIndexOf('/') > 0; up = up.substring(0, up.lastIndexOf('/'))) {
            for (View v : over.getOrDefault(below + "\0" + up, List.of())) {
                String own = v.base() + path;
                if (!hasEntry.test(own)) keep.add(new Keep(own, resolve(below, path, hasEntry), v.owner()));
            }
        }
        return keep;
    }

    /** The view whose layer {@code storePath} is in, or null. */
    View layerOf(String storePath) {
        if (!WorkspaceTrees.inForks(storePath)) return null;
        String[] s = storePath.split("/", 6); // "", "home", owner, ".forks", pid, rest
        if (s.length < 6) return null;
        try {
            View v = of(Long.parseLong(s[4]));
            return v != null && storePath.startsWith(v.base() + "/") ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    synchronized void put(View v) {
        View old = views.put(v.pid(), v);
        if (old != null) unindex(old);
        for (String t : v.trees()) over.computeIfAbsent(v.below() + "\0" + t, k -> new ArrayList<>()).add(v);
    }

    /**
     * Process {@code pid} ended: its view goes, unless forks of it still see through it (then it
     * goes with the last of them). Returns whether there was a view.
     */
    synchronized boolean end(long pid) {
        View v = views.get(pid);
        if (v == null) return false;
        if (v.ended()) return true;
        put(new View(v.pid(), v.owner(), v.base(), v.trees(), v.below(), true));
        drop(pid);
        return true;
    }

    private void drop(long pid) {
        View v = views.get(pid);
        if (v == null || !v.ended() || views.values().stream().anyMatch(o -> o.below() == pid)) return;
        views.remove(pid);
        unindex(v);
        drop(v.below()); // the one below may have waited for this one
    }

    private void unindex(View v) {
        for (String t : v.trees()) {
            List<View> l = over.get(v.below() + "\0" + t);
            if (l != null) {
                l.removeIf(o -> o.pid() == v.pid());
                if (l.isEmpty()) over.remove(v.below() + "\0" + t);
            }
        }
    }

    Collection<View> all() {
        return List.copyOf(views.values());
    }
}
