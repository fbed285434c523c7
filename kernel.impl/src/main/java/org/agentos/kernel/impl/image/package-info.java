/**
 * Agent images, the kernel's side: a process cut at a quiet step boundary (its record, call
 * journal, a copy-on-write snapshot of its memory, its mailbox), and an image restored as a new
 * process under what its restorer may grant.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.image;
