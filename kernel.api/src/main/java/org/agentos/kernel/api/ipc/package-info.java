/**
 * Inter-process communication: named message queues with a chosen delivery guarantee, private
 * mailboxes, request/reply. Agents use the {@code ipc.*} system calls; operators and other bundles
 * use {@link org.agentos.kernel.api.ipc.MessageQueues}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.agentos.kernel.api.ipc;
