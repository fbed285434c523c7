package org.agentos.kernel.api.process;

import java.util.List;

/**
 * A page of the process table.
 *
 * @param processes the matching processes in the query's order, at most the query's limit
 * @param matching  how many processes matched in all
 * @param ahead     how many matching processes come before this page in the order (since 1.3):
 *                  the page shows rows {@code ahead + 1} to {@code ahead + processes.size()}
 */
public record ProcessListing(List<ProcessInfo> processes, int matching, int ahead) {
    public ProcessListing {
        processes = List.copyOf(processes);
    }

    /** A first page: the form of version 1.2. */
    public ProcessListing(List<ProcessInfo> processes, int matching) {
        this(processes, matching, 0);
    }

    /** Whether matching processes follow this page. */
    public boolean hasMore() {
        return ahead + processes.size() < matching;
    }
}
