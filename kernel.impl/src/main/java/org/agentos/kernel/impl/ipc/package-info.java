/**
 * Inter-process communication: queues and mailboxes, the send and receive paths, the queue
 * log of durable queues, and events for agents.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.ipc;
