/** The MCP client side: remote MCP servers whose tools become syscalls. Private to this bundle. */
package org.agentos.mcp.bridge.client;
