package org.agentos.kernel.api.process;

/**
 * Which processes to list: the ones matching every given criterion, lowest pids first.
 *
 * @param owner        only this owner's processes, or null for all
 * @param program      only processes running this program, or null for all (since 1.2)
 * @param state        only processes in this state, or null for all
 * @param includeEnded include EXITED and KILLED processes not yet reaped, and init
 * @param limit        at most this many
 * @param order        sorted by this, then by pid (since 1.3; null: by pid)
 * @param descending   highest first (since 1.3)
 * @param after        only processes after this place in the order, or null: the first page (since 1.3)
 * @param backward     the page before {@code after} instead, still in the order asked for (since 1.3)
 */
public record ProcessQuery(String owner, String program, ProcessState state, boolean includeEnded, int limit,
                           ProcessOrder order, boolean descending, ProcessCursor after, boolean backward) {
    public ProcessQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        order = order == null ? ProcessOrder.PID : order;
    }

    /** The first page, lowest pids first: the form of version 1.2, kept for its callers. */
    public ProcessQuery(String owner, String program, ProcessState state, boolean includeEnded, int limit) {
        this(owner, program, state, includeEnded, limit, ProcessOrder.PID, false, null, false);
    }

    /** This query sorted by {@code order}, highest first when {@code descending}. */
    public ProcessQuery sorted(ProcessOrder order, boolean descending) {
        return new ProcessQuery(owner, program, state, includeEnded, limit, order, descending, after, backward);
    }

    /** The page after {@code cursor} ({@code backward}: before it). */
    public ProcessQuery from(ProcessCursor cursor, boolean backward) {
        return new ProcessQuery(owner, program, state, includeEnded, limit, order, descending, cursor, backward);
    }

    /** A query of any program: the form of version 1.1, kept for its callers. */
    public ProcessQuery(String owner, ProcessState state, boolean includeEnded, int limit) {
        this(owner, null, state, includeEnded, limit);
    }

    /** Every process-table entry, init and zombies included. */
    public static ProcessQuery all(int limit) {
        return new ProcessQuery(null, null, null, true, limit);
    }

    /** Whether a process with this pid, owner, program and state matches. */
    public boolean matches(long pid, String owner, String program, ProcessState state) {
        if (!includeEnded && (state.isTerminal() || pid == ProcessManager.INIT_PID)) return false;
        return (this.owner == null || this.owner.equals(owner))
                && (this.program == null || this.program.equals(program))
                && (this.state == null || this.state == state);
    }

    /**
     * Whether a process with this pid, owner and state matches, whatever it runs: only right for
     * a query without a program criterion.
     *
     * @deprecated since 1.2: use {@link #matches(long, String, String, ProcessState)}, which also
     *             checks the program
     */
    @Deprecated
    public boolean matches(long pid, String owner, ProcessState state) {
        return matches(pid, owner, program, state);
    }
}
