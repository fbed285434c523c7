package org.agentos.kernel.api.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A process's workspace: the directories (or single files) its capabilities let it write, each
 * {@code fs:write:} or {@code fs:*:} pattern up to its first wildcard ({@code fs:*:/home/alice/book/**}
 * gives {@code /home/alice/book}). Patterns that cover the whole filesystem or a synthetic tree
 * ({@code /proc}, {@code /mem}) name no workspace, and the forks' copies in a home are not in it.
 * What an agent image holds and what a fork gets a copy of.
 *
 * @since 1.3
 */
public final class WorkspaceTrees {
    /**
     * The directory of a home where forks' copies of their workspaces are kept,
     * {@code /home/<owner>/.forks/<pid>} ({@link FileSystem#fork}); never part of a workspace.
     */
    public static final String FORKS = ".forks";

    private WorkspaceTrees() {}

    /** Whether {@code path} is a home's {@link #FORKS} directory or inside it. */
    public static boolean inForks(String path) {
        String[] s = path.split("/", 5); // "", "home", owner, ".forks", rest
        return s.length >= 4 && s[0].isEmpty() && s[1].equals("home") && s[3].equals(FORKS);
    }

    /** The trees, sorted, none inside another. */
    public static List<String> of(List<String> capabilities) {
        TreeSet<String> roots = new TreeSet<>();
        for (String c : capabilities) {
            String[] f = c.split(":", 3);
            if (f.length != 3 || !f[0].equals("fs") || !(f[1].equals("write") || f[1].equals("*"))) continue;
            StringBuilder prefix = new StringBuilder();
            for (String seg : f[2].split("/")) {
                if (seg.isEmpty()) continue;
                if (seg.contains("*") || seg.contains("?") || seg.contains("{") || seg.contains("[")) break;
                prefix.append('/').append(seg);
            }
            String root = prefix.toString();
            if (root.isEmpty() || root.equals("/proc") || root.startsWith("/proc/") || root.equals("/mem")
                    || root.startsWith("/mem/")) continue;
            roots.add(root);
        }
        List<String> out = new ArrayList<>();
        for (String r : roots) { // a tree inside another is in it already
            if (out.stream().noneMatch(o -> r.startsWith(o + "/"))) out.add(r);
        }
        return out;
    }
}
