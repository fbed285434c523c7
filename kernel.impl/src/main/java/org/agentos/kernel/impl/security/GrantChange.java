package org.agentos.kernel.impl.security;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One change of the grants between bundles: what it gives and takes per grant entry (for the
 * audit log) and what it takes from a bundle (which alone may justify restarting that bundle).
 * A bundle holds a permission when it asks for it and an entry matching its name grants it, so
 * a change of one entry takes nothing from a bundle that entry does not match.
 */
record GrantChange(Map<String, Set<String>> before, Map<String, Set<String>> after) {

    GrantChange {
        before = Map.copyOf(before);
        after = Map.copyOf(after);
    }

    boolean isEmpty() {
        return before.equals(after);
    }

    /** Per grant entry (symbolic name or glob), the permissions this change adds to it. */
    Map<String, Set<String>> granted() {
        return difference(after, before);
    }

    /** Per grant entry, the permissions this change removes from it. */
    Map<String, Set<String>> revoked() {
        return difference(before, after);
    }

    /**
     * The permissions a bundle of this name, asking for {@code requested}, held before this
     * change and does not hold after it. Empty for every bundle the change did not concern.
     */
    Set<String> lostBy(String symbolicName, Set<String> requested) {
        Set<String> lost = held(before, symbolicName, requested);
        lost.removeAll(held(after, symbolicName, requested));
        return lost;
    }

    private static Set<String> held(Map<String, Set<String>> grants, String symbolicName, Set<String> requested) {
        Set<String> out = PermissionRegistry.grantedIn(grants, symbolicName);
        out.retainAll(requested);
        return out;
    }

    private static Map<String, Set<String>> difference(Map<String, Set<String>> a, Map<String, Set<String>> b) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : a.entrySet()) {
            Set<String> only = new TreeSet<>(e.getValue());
            only.removeAll(b.getOrDefault(e.getKey(), Set.of()));
            if (!only.isEmpty()) out.put(e.getKey(), only);
        }
        return out;
    }
}
