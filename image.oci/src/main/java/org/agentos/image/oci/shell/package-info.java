/** Console commands for agent images: agent:checkpoint and agent:restore. Private to this bundle. */
package org.agentos.image.oci.shell;
