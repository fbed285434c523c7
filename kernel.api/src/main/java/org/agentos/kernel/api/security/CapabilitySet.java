package org.agentos.kernel.api.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An immutable set of capability patterns held by a process, e.g. {@code proc:spawn},
 * {@code fs:read:/home/a/**}, {@code tool:http.fetch:host=*.example.org}.
 *
 * <p>Pattern syntax: {@code *} matches any run of characters except {@code :} and {@code /};
 * {@code **} matches any run of characters; everything else matches itself. A pattern ending in
 * {@code /**} also matches the directory itself: {@code fs:read:/home/a/**} permits
 * {@code fs:read:/home/a} (listing one's workspace). A set
 * <em>permits</em> a required capability when one of its patterns matches it, and
 * <em>covers</em> a pattern when one of its patterns matches everything that pattern matches;
 * a child's capabilities must be covered by its parent's.
 */
public final class CapabilitySet {

    /** Holds every capability. Given to init and to operator-spawned processes by default. */
    public static final CapabilitySet ALL = new CapabilitySet(List.of("**"));
    public static final CapabilitySet NONE = new CapabilitySet(List.of());

    private static final int MAX_PATTERN_LENGTH = 256;
    private static final int STAR = -1;
    private static final int DOUBLE_STAR = -2;
    private static final int CACHE_LIMIT = 4096;

    private final List<String> patterns;
    private final int[][] compiled;
    // Checks repeat: the same process asks for the same capability on every call.
    private final ConcurrentHashMap<String, Boolean> decisions = new ConcurrentHashMap<>();

    private CapabilitySet(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        this.compiled = new int[patterns.size()][];
        for (int i = 0; i < compiled.length; i++) {
            compiled[i] = compile(patterns.get(i));
        }
    }

    /**
     * @throws SyscallException {@code EINVAL} when a pattern is empty, too long, has whitespace or
     *                          three stars in a row
     */
    public static CapabilitySet of(Collection<String> patterns) throws SyscallException {
        List<String> clean = new ArrayList<>(patterns.size());
        for (String p : patterns) {
            String reason = invalidReason(p);
            if (reason != null) {
                throw new SyscallException(Errno.EINVAL, "bad capability '" + p + "': " + reason);
            }
            if (!clean.contains(p)) {
                clean.add(p);
            }
        }
        if (clean.equals(ALL.patterns)) return ALL;
        if (clean.isEmpty()) return NONE;
        return new CapabilitySet(clean);
    }

    private static String invalidReason(String p) {
        if (p == null || p.isEmpty()) return "empty";
        if (p.length() > MAX_PATTERN_LENGTH) return "longer than " + MAX_PATTERN_LENGTH + " characters";
        if (p.contains("***")) return "'***' is not a pattern";
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) return "contains whitespace or control characters";
        }
        return null;
    }

    public List<String> patterns() {
        return patterns;
    }

    /**
     * Whether one of the patterns matches the concrete capability {@code required}. Never for a
     * capability with a control character or a {@code .} or {@code ..} path segment: a pattern
     * such as {@code fs:read:/home/a/**} would match {@code fs:read:/home/a/../b/x}, which names
     * another place; whoever builds a capability from a path normalises the path first.
     */
    public boolean permits(String required) {
        Boolean cached = decisions.get(required);
        if (cached != null) {
            return cached;
        }
        if (!concrete(required)) return false;
        int[] req = literal(required);
        boolean ok = false;
        for (int[] held : compiled) {
            if (covers(held, req)) {
                ok = true;
                break;
            }
        }
        if (decisions.size() >= CACHE_LIMIT) {
            decisions.clear();
        }
        decisions.put(required, ok);
        return ok;
    }

    /** Whether one of the patterns matches every capability that {@code pattern} matches. */
    public boolean covers(String pattern) {
        int[] p = compile(pattern);
        for (int[] held : compiled) {
            if (covers(held, p)) return true;
        }
        return false;
    }

    /** The first pattern of {@code wanted} this set does not cover, if any. */
    public Optional<String> firstUncovered(CapabilitySet wanted) {
        for (String p : wanted.patterns) {
            if (!covers(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * The set a child asking for {@code wanted} gets: {@code wanted} itself when this set covers
     * every pattern of it.
     *
     * @throws SyscallException {@code EPERM} naming the first pattern this set does not cover
     */
    public CapabilitySet attenuate(CapabilitySet wanted) throws SyscallException {
        Optional<String> missing = firstUncovered(wanted);
        if (missing.isPresent()) {
            throw new SyscallException(Errno.EPERM, "cannot grant capability '" + missing.get()
                    + "': the parent does not hold it");
        }
        return wanted;
    }

    /**
     * No control character, no {@code .} or {@code ..} segment between separators ({@code :} and
     * {@code /}). Empty parts stay allowed: an IPv6 host ({@code host=[::1]}) has them.
     */
    private static boolean concrete(String required) {
        int segmentStart = 0;
        for (int i = 0; i <= required.length(); i++) {
            char c = i < required.length() ? required.charAt(i) : ':';
            if (i < required.length() && (Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) return false;
            if (c == ':' || c == '/') {
                int len = i - segmentStart;
                if ((len == 1 && required.charAt(segmentStart) == '.')
                        || (len == 2 && required.charAt(segmentStart) == '.' && required.charAt(segmentStart + 1) == '.')) {
                    return false;
                }
                segmentStart = i + 1;
            }
        }
        return true;
    }

    private static int[] compile(String pattern) {
        int[] out = new int[pattern.length()];
        int n = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    out[n++] = DOUBLE_STAR;
                    i++;
                } else {
                    out[n++] = STAR;
                }
            } else {
                out[n++] = c;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static int[] literal(String s) {
        int[] out = new int[s.length()];
        for (int i = 0; i < out.length; i++) out[i] = s.charAt(i);
        return out;
    }

    private static boolean isSeparator(int token) {
        return token == ':' || token == '/';
    }

    /**
     * Whether held pattern {@code q} matches everything pattern {@code p} matches: a literal
     * matches itself; {@code *} in q absorbs non-separator literals and {@code *} of p;
     * {@code **} in q absorbs anything. Dynamic programming over both token arrays.
     */
    private static boolean covers(int[] q, int[] p) {
        int n = q.length;
        if (n >= 2 && q[n - 1] == DOUBLE_STAR && q[n - 2] == '/' && coversExactly(java.util.Arrays.copyOf(q, n - 2), p)) {
            return true;
        }
        return coversExactly(q, p);
    }

    private static boolean coversExactly(int[] q, int[] p) {
        boolean[][] m = new boolean[q.length + 1][p.length + 1];
        m[q.length][p.length] = true;
        for (int i = q.length - 1; i >= 0; i--) {
            for (int j = p.length; j >= 0; j--) {
                int qt = q[i];
                boolean r;
                if (qt == DOUBLE_STAR) {
                    r = m[i + 1][j] || (j < p.length && m[i][j + 1]);
                } else if (qt == STAR) {
                    r = m[i + 1][j] || (j < p.length && (p[j] == STAR || (p[j] >= 0 && !isSeparator(p[j]))) && m[i][j + 1]);
                } else {
                    r = j < p.length && p[j] == qt && m[i + 1][j + 1];
                }
                m[i][j] = r;
            }
        }
        return m[0][0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CapabilitySet other && other.patterns.equals(patterns);
    }

    @Override
    public int hashCode() {
        return patterns.hashCode();
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
