/**
 * Arbitration beyond CPU: the LLM gates, byte rates and the byte quota, and the
 * memory-pressure governor.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.resource;
