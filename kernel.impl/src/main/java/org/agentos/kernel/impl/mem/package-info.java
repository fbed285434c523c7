/**
 * The kernel's side of memory: the bound memory manager, the {@code mem.*} calls through its
 * gate, lock and semaphore waits, and the live memory swap.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.mem;
