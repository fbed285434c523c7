/**
 * The virtual filesystem SPI: versioned agent workspaces ({@code /home/<owner>}, {@code /shared},
 * {@code /tmp}) and synthetic read-only trees ({@code /proc}). Implemented by a filesystem bundle
 * (vfs.versioned); used by the {@code fs.*} system calls, the console and other subsystems.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.agentos.kernel.api.fs;
