package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.agentos.kernel.api.syscall.SyscallException;

/** An MCP client over one transport (streamable HTTP, or stdio to a command in the HAL sandbox). */
interface McpClient extends AutoCloseable {
    /** The lifecycle's first exchange; returns the server's answer (its info and capabilities). */
    JsonNode initialize() throws SyscallException;

    /** Every tool the server lists, following its pages. */
    List<JsonNode> listTools() throws SyscallException;

    /** {@code tools/call}, completed with its result (isError included) or an errno. */
    CompletableFuture<JsonNode> callTool(String name, JsonNode arguments);

    /**
     * Follows the server's notifications: {@code onListChanged} for each tools/list_changed, and
     * {@code onLost} when the server goes away.
     */
    void listen(Runnable onListChanged, Runnable onLost);

    @Override
    void close();
}
