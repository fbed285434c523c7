package org.agentos.kernel.api.memory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a memory manager holds, handed to its successor in a live swap: the spaces with
 * their entries (resident and paged out) and their synchronization objects. Versioned so that a
 * successor can refuse what it does not understand.
 *
 * @param version {@link #VERSION} when written by this API version
 * @param spaces  every space
 */
public record MemoryState(int version, List<Space> spaces) {
    public static final int VERSION = 1;

    /**
     * One space.
     *
     * @param name        its name
     * @param owner       its owner
     * @param persistent  whether it must survive restarts
     * @param quotaBytes  its own limit, 0 = none
     * @param tokenBudget its context window's budget, 0 = none (user spaces)
     * @param entries     every entry with its value, paged-out working entries included
     *                    ({@link EntryInfo#resident()} false)
     * @param locks       held locks: name to holder pid
     * @param semaphores  its semaphores
     * @param members     owners besides its own that may reach it (shared spaces)
     */
    public record Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget,
                        List<MemEntry> entries, Map<String, Long> locks, List<Semaphore> semaphores, Set<String> members) {
        public Space {
            members = members == null ? Set.of() : Set.copyOf(members);
        }

        /** A space with no members besides its owner. */
        public Space(String name, String owner, boolean persistent, long quotaBytes, long tokenBudget,
                     List<MemEntry> entries, Map<String, Long> locks, List<Semaphore> semaphores) {
            this(name, owner, persistent, quotaBytes, tokenBudget, entries, locks, semaphores, Set.of());
        }
    }

    /**
     * A counting semaphore.
     *
     * @param name      its name in the space
     * @param available permits free now
     * @param held      permits held, by pid
     */
    public record Semaphore(String name, int available, Map<Long, Integer> held) {}
}
