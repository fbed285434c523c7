package org.agentos.kernel.api.process;

/**
 * Which processes to list: the ones matching every given criterion, lowest pids first.
 *
 * @param owner        only this owner's processes, or null for all
 * @param state        only processes in this state, or null for all
 * @param includeEnded include EXITED and KILLED processes not yet reaped, and init
 * @param limit        at most this many
 */
public record ProcessQuery(String owner, ProcessState state, boolean includeEnded, int limit) {
    public ProcessQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }

    /** Every process-table entry, init and zombies included. */
    public static ProcessQuery all(int limit) {
        return new ProcessQuery(null, null, true, limit);
    }

    /** Whether a process with this owner and state, and this pid, matches. */
    public boolean matches(long pid, String owner, ProcessState state) {
        if (!includeEnded && (state.isTerminal() || pid == ProcessManager.INIT_PID)) return false;
        return (this.owner == null || this.owner.equals(owner)) && (this.state == null || this.state == state);
    }
}
