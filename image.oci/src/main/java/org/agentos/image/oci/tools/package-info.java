/**
 * The agent image system calls: {@code proc.checkpoint} (an agent's image of itself or of a child,
 * kept under its owner's images) and {@code proc.restore} (an image restored as a child). Private
 * to this bundle; the kernel reaches them through the syscall table.
 */
package org.agentos.image.oci.tools;
