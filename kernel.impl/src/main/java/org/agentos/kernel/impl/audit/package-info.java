/**
 * The audit log: records appended by any thread, written and fsynced by one, in rotated
 * segments with a second stream for errors and lifecycle records.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.audit;
