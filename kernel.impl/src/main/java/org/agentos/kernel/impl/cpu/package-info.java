/**
 * Running processes: the CPU workers and the watchdog, one step at a time ({@code Stepper}), the
 * bound scheduler and its hot swap, and the round-robin fallback scheduler. Only {@code Stepper} (and a
 * swap, handing the queue over) puts processes on and off the scheduler's run queue.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.cpu;
