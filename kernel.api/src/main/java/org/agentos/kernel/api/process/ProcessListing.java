package org.agentos.kernel.api.process;

import java.util.List;

/**
 * A page of the process table.
 *
 * @param processes the matching processes, lowest pids first, at most the query's limit
 * @param matching  how many processes matched in all
 */
public record ProcessListing(List<ProcessInfo> processes, int matching) {
    public ProcessListing {
        processes = List.copyOf(processes);
    }
}
