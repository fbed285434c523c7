package org.agentos.kernel.api.memory;

import java.util.Set;

/**
 * A space, measured.
 *
 * @param name            {@code system}, {@code user/<pid>} or {@code shared/<name>}
 * @param kind            its kind
 * @param owner           the tenant it belongs to (whose quota it counts against)
 * @param persistent      whether it survives restarts and crashes
 * @param entries         keys held (resident or paged out)
 * @param bytes           bytes of the values held in memory
 * @param quotaBytes      the space's own limit, 0 = none besides the owner's
 * @param sharedBytes     bytes still shared with a fork parent or child (copy-on-write)
 * @param residentTokens  tokens of the resident working entries (context window)
 * @param tokenBudget     the context window's budget, 0 = no limit
 * @param pagedOut        working entries in the archive
 * @param members         owners besides {@code owner} whose processes may reach it (shared spaces)
 */
public record SpaceInfo(String name, SpaceKind kind, String owner, boolean persistent, long entries, long bytes,
                        long quotaBytes, long sharedBytes, long residentTokens, long tokenBudget, long pagedOut,
                        Set<String> members) {
    public SpaceInfo {
        members = members == null ? Set.of() : members;
    }

    /** A space with no members besides its owner. */
    public SpaceInfo(String name, SpaceKind kind, String owner, boolean persistent, long entries, long bytes,
                     long quotaBytes, long sharedBytes, long residentTokens, long tokenBudget, long pagedOut) {
        this(name, kind, owner, persistent, entries, bytes, quotaBytes, sharedBytes, residentTokens, tokenBudget, pagedOut, Set.of());
    }
}
