package org.agentos.kernel.api.audit;

/**
 * Which audit records to read.
 *
 * @param pid     only this process's records, or 0 for all
 * @param name    only records whose name starts with this, or null
 * @param outcome only records with this outcome ("ok", "EPERM"), or null
 * @param limit   at most this many, the newest ones
 */
public record AuditQuery(long pid, String name, String outcome, int limit) {
    public AuditQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        if (pid < 0) {
            throw new IllegalArgumentException("pid must not be negative: " + pid);
        }
    }

    public static AuditQuery tail(int limit) {
        return new AuditQuery(0, null, null, limit);
    }

    public boolean matches(AuditRecord r) {
        return (pid == 0 || r.pid() == pid)
                && (name == null || r.name().startsWith(name))
                && (outcome == null || outcome.equalsIgnoreCase(r.outcome()));
    }
}
