package org.agentos.vfs.versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;

/**
 * A tree to copy for a fork: {@code from}'s files and directories to {@code to}, leaving out
 * {@code skip} when it is inside {@code from} (a home's forks are not copied into a fork of it).
 */
record TreeCopy(String from, String to, String skip) {
    /** What copying means in the index: the directories to make, the versions to copy by new path, their bytes. */
    record Plan(List<String> dirs, Map<String, VersionStore.Version> files, long bytes) {}

    boolean skips(String path) {
        return skip.startsWith(from + "/") && (path.equals(skip) || path.startsWith(skip + "/"));
    }

    /** The plan of {@code copies} over the store's index as it is (read on the log thread). */
    static Plan plan(List<TreeCopy> copies, NavigableMap<String, VersionStore.Head> heads,
                     Map<String, VersionStore.Version> versions, NavigableSet<String> dirs) {
        List<String> newDirs = new ArrayList<>();
        Map<String, VersionStore.Version> files = new TreeMap<>();
        long bytes = 0;
        for (TreeCopy c : copies) {
            newDirs.add(c.to());
            for (String d : dirs.subSet(c.from() + "/", c.from() + "/\uffff")) {
                if (!c.skips(d)) newDirs.add(c.to() + d.substring(c.from().length()));
            }
            for (Map.Entry<String, VersionStore.Head> e : heads.subMap(c.from() + "/", c.from() + "/\uffff").entrySet()) {
                if (e.getValue().deleted() || c.skips(e.getKey())) continue;
                VersionStore.Version v = versions.get(LogRecords.versionKey(e.getKey(), e.getValue().version()));
                files.put(c.to() + e.getKey().substring(c.from().length()), v);
                bytes += v.size();
            }
        }
        return new Plan(newDirs, files, bytes);
    }
}
