package org.agentos.kernel.api.audit;

import java.util.List;

/** The kernel's append-only audit log, as readers see it. */
@org.osgi.annotation.versioning.ProviderType
public interface AuditLog {

    /** The newest records that match, oldest first, including those not yet on disk. */
    List<AuditRecord> read(AuditQuery query);

    /** Blocks until every record appended so far is durable on disk. */
    void sync();

    /**
     * Records an event at the edge of the system, where no process made a call: a request a
     * server bundle refused before it reached the kernel (an MCP client without a valid token, a
     * message that is not JSON-RPC). Kind {@code lifecycle}, pid 0; the fields are cut to their
     * bounds (name 64, outcome 32, owner 64, detail 1,000 characters). Only bundles that see this
     * service ({@code kernel.admin}) record.
     *
     * @param name    what happened, e.g. {@code mcp.refused}
     * @param outcome its errno's name, or {@code ok}
     * @param owner   whom it concerns, as far as known ({@code anonymous} when nobody is)
     * @param detail  a line for people
     * @since 1.1
     */
    void record(String name, String outcome, String owner, String detail);
}
