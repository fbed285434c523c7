package org.agentos.vfs.versioned;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The forks' views of the files, like a mount namespace per process: a fork's workspace trees
 * are bound to its copy under {@code /home/<owner>/.forks/<pid>}, so that the paths it has always
 * used reach its own files. Kept in the filesystem's log ({@link LogRecords#VIEW}, written in the
 * batch that makes the copy), so a view outlives a restart as its process does.
 */
final class ForkViews {
    static final String FORKS = org.agentos.kernel.api.fs.WorkspaceTrees.FORKS;

    /** Process {@code pid} sees {@code trees} at {@code base} + the tree's path. */
    record View(long pid, String owner, String base, List<String> trees) {
        String real(String path) {
            for (String t : trees) if (path.equals(t) || path.startsWith(t + "/")) return base + path;
            return path;
        }

        String shown(String real) {
            return real.startsWith(base + "/") ? real.substring(base.length()) : real;
        }
    }

    private final Map<Long, View> views = new ConcurrentHashMap<>();

    /** Where a process's copy of its workspace goes. */
    static String base(String owner, long pid) {
        return "/home/" + owner + "/" + FORKS + "/" + pid;
    }

    /** The view of process {@code pid}, or null: it sees the files as they are. */
    View of(long pid) {
        return pid <= 0 ? null : views.get(pid);
    }

    /** The path in the store that {@code path}, as process {@code pid} names it, is. */
    String real(long pid, String path) {
        View v = of(pid);
        return v == null ? path : v.real(path);
    }

    /** A path of the store as process {@code pid} names it. */
    String shown(long pid, String real) {
        View v = of(pid);
        return v == null ? real : v.shown(real);
    }

    void put(View v) {
        views.put(v.pid(), v);
    }

    View remove(long pid) {
        return views.remove(pid);
    }

    Collection<View> all() {
        return List.copyOf(views.values());
    }
}
