/** The {@code mcp:*} console commands. */
package org.agentos.mcp.bridge.shell;
