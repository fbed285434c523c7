/**
 * System calls: the syscall table, the one mediation path every call takes ({@code Mediator}),
 * the calls that wait ({@code ParkedCalls}), the I/O executor ({@code ToolRunner}), the
 * gateway other bundles call through, and the kernel's own calls.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.syscall;
