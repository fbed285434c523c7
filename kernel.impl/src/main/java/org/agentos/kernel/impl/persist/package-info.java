/**
 * What survives a restart of the kernel besides the audit log and the queues: checkpoints of
 * the process table and the record of the last swaps.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.persist;
