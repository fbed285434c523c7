package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An MCP client: what this bridge asks of a server (initialize, tools/list, tools/call), over one
 * transport's requests and notifications (streamable HTTP, or stdio to a command in the HAL sandbox).
 */
interface McpClient extends AutoCloseable {
    /** The revision this client speaks. */
    String PROTOCOL = "2025-11-25";

    /**
     * A request, completed with its result or an errno: the server's JSON-RPC error is {@code EIO}
     * with its message. Cancelling it stops it and tells the server.
     */
    CompletableFuture<JsonNode> request(String method, JsonNode params);

    /** A notification: no answer. */
    void notify(String method) throws SyscallException;

    /** The server, as messages name it. */
    String describe();

    /**
     * Follows the server's notifications: {@code onListChanged} for each tools/list_changed, and
     * {@code onLost} when the server goes away.
     */
    void listen(Runnable onListChanged, Runnable onLost);

    /** What the transport keeps of the server's answer to initialize (HTTP: the negotiated version). */
    default void initialized(JsonNode result) {}

    /** The lifecycle's first exchange; returns the server's answer (its info and capabilities). */
    default JsonNode initialize() throws SyscallException {
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("protocolVersion", PROTOCOL);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "agentos").put("version", "0.2");
        JsonNode result = join(request("initialize", params));
        initialized(result);
        notify("notifications/initialized");
        return result;
    }

    /** Every tool the server lists, following its pages (at most 100). */
    default List<JsonNode> listTools() throws SyscallException {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            ObjectNode params = JsonNodeFactory.instance.objectNode();
            if (cursor != null) params.put("cursor", cursor);
            JsonNode r = join(request("tools/list", params));
            r.path("tools").forEach(out::add);
            cursor = r.path("nextCursor").asText(null);
            if (cursor == null || cursor.isEmpty()) return out;
        }
        throw new SyscallException(Errno.EIO, describe() + " lists tools over more than 100 pages");
    }

    /** {@code tools/call}, completed with its result (isError included) or an errno. */
    default CompletableFuture<JsonNode> callTool(String name, JsonNode arguments) {
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("name", name);
        params.set("arguments", arguments);
        return request("tools/call", params);
    }

    /** The result of a request, or its errno. */
    default JsonNode join(CompletableFuture<JsonNode> f) throws SyscallException {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SyscallException se) throw se;
            throw new SyscallException(Errno.EIO, describe() + ": " + e.getCause());
        }
    }

    @Override
    void close();
}
