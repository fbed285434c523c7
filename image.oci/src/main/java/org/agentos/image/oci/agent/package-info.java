/**
 * Agents as OCI images: an agent cut by the kernel written as an image layout (config, state,
 * journal, memory, workspace files, mailbox), and read back, checked, and restored. Private to
 * this bundle.
 */
package org.agentos.image.oci.agent;
