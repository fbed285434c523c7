/**
 * Processes: the process table and its tree lock, pids, owners, the lifecycle (spawn, fork,
 * pause, resume, signals, kill), exits, waits and reaping, installed programs. A process's state
 * changes here, in {@code cpu} (stepping) and in {@code syscall} (parked calls), always under its
 * monitor.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.proc;
