package org.agentos.kernel.api.cluster;

import java.util.List;

/**
 * An {@code agent:spawn} to run on another node: what its options said, as that node's own
 * console will check them for the operator (owner, capability ceiling, nice, class).
 *
 * @param program     the program's name
 * @param args        its arguments, a JSON object as text (null: none)
 * @param owner       the owner asked for, or null
 * @param nice        niceness
 * @param schedClass  scheduling class, or null
 * @param caps        capabilities, or null for the node's defaults
 * @param cpuMs       CPU quota in ms (0: none); the same for the others
 * @param count       how many identical processes
 */
public record SpawnOrder(String program, String args, String owner, int nice, String schedClass, List<String> caps, long cpuMs,
                         long wallMs, long maxSyscalls, long maxTokens, long maxBytes, int count) {
    public SpawnOrder {
        caps = caps == null ? null : List.copyOf(caps);
    }
}
