/**
 * Agent images: a process cut at a quiet step boundary (its program state and pending call, its
 * call journal, its memory, its mailbox) and restored as a new process, here or on another
 * installation. The kernel cuts and restores; a bundle around it writes the parts as an image
 * (an OCI image layout) and adds the files of the agent's workspace.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.agentos.kernel.api.image;
