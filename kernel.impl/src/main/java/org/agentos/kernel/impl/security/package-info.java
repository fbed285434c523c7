/**
 * Permissions between bundles: what each asks for, what an administrator granted, and the
 * service hooks that enforce it.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.security;
