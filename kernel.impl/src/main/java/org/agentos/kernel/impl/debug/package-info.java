/**
 * The debugger at the syscall boundary: traces of a process's calls as they happen
 * ({@code agent:trace}), breakpoints on a syscall pattern, an errno or a step
 * ({@code agent:break}), single steps ({@code agent:step}). Costs nothing to a process nobody
 * debugs: the hooks test one field of its control block.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.debug;
