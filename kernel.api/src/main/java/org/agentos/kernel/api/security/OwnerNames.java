package org.agentos.kernel.api.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Owner (tenant) names as they appear in member lists, paths and capability patterns: 1-64
 * characters {@code A-Z a-z 0-9 . _ @ -}, not {@code .} or {@code ..}, so that a name can never
 * widen a pattern or climb a path.
 */
public final class OwnerNames {
    /** Most owners one shared space or queue may admit besides its own. */
    public static final int MAX_MEMBERS = 64;
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private OwnerNames() {}

    /** Whether {@code name} is a well-formed owner name. */
    public static boolean isValid(String name) {
        return name != null && SAFE.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /**
     * {@code members} as an immutable, sorted set.
     *
     * @throws IllegalArgumentException naming the first bad name, or when there are more than {@value #MAX_MEMBERS}
     */
    public static Set<String> members(Collection<String> members) {
        if (members == null || members.isEmpty()) return Set.of();
        TreeSet<String> out = new TreeSet<>();
        for (String m : members) {
            if (!isValid(m)) {
                throw new IllegalArgumentException("'" + m + "' is not an owner name (1-64 characters A-Z a-z 0-9 . _ @ -)");
            }
            out.add(m);
        }
        if (out.size() > MAX_MEMBERS) throw new IllegalArgumentException(out.size() + " members; at most " + MAX_MEMBERS);
        return Collections.unmodifiableSet(out);
    }

    /**
     * The members a JSON array of owner names lists (a system call's argument, a log record);
     * missing or null: none.
     *
     * @throws IllegalArgumentException as {@link #members(Collection)}, or for an element that is not a string
     */
    public static Set<String> members(JsonNode array) {
        if (array == null || array.isMissingNode() || array.isNull()) return Set.of();
        List<String> names = new ArrayList<>();
        for (JsonNode m : array) {
            if (!m.isTextual()) throw new IllegalArgumentException("members are owner names (strings), not " + m);
            names.add(m.textValue());
        }
        return members(names);
    }
}
