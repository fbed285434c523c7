/**
 * The kernel's journal: an append-only, group-committed file of checksummed records that a
 * subsystem keeps its durable state in (the IPC queue log, the memory spaces' log), with
 * recovery that cuts off a torn tail and compaction from a snapshot while writes go on.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.agentos.kernel.api.journal;
