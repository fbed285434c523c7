package org.agentos.kernel.api.audit;

import java.util.List;

/** The kernel's append-only audit log, as readers see it. */
@org.osgi.annotation.versioning.ProviderType
public interface AuditLog {

    /** The newest records that match, oldest first, including those not yet on disk. */
    List<AuditRecord> read(AuditQuery query);

    /** Blocks until every record appended so far is durable on disk. */
    void sync();
}
