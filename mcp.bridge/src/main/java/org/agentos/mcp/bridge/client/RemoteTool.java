package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * A tool of a remote MCP server as a syscall, {@code mcp.<server>.<tool>}: capability
 * {@code tool:mcp.<server>.<tool>}, resource class NET, its arguments checked by the kernel as far
 * as {@link SchemaSubset} goes, its result journaled (a remote call has effects the kernel cannot
 * see). The call waits on no kernel thread. The server's tool error is {@code EIO} with its text;
 * a server that is not connected, {@code EIO}; one that does not answer in time, {@code ETIMEDOUT}.
 */
final class RemoteTool implements Tool {
    private final ToolDescriptor descriptor;
    private final String remoteName;
    private final String server;
    private final Supplier<McpClient> client;

    RemoteTool(String server, String syscall, JsonNode remote, Duration timeout, Supplier<McpClient> client) {
        this.server = server;
        this.remoteName = remote.path("name").asText();
        this.client = client;
        String what = remote.path("description").asText(remote.path("title").asText(remoteName));
        this.descriptor = ToolDescriptor.builder(syscall).version("0.0.0")
                .description("[MCP " + server + "] " + what.strip().replaceAll("\\s+", " "))
                .args(SchemaSubset.arguments(remote.get("inputSchema")))
                .capabilities("tool:" + syscall)
                .resourceClass(ResourceClass.NET)
                .determinism(Determinism.RECORDED)
                .idempotent(remote.path("annotations").path("idempotentHint").asBoolean(false))
                .timeout(timeout)
                .build();
    }

    /**
     * The syscall name for a remote tool name: lower case, words joined by '_', one dotted segment
     * ({@code getTinyImage} and {@code get-tiny-image} become {@code get_tiny_image}).
     */
    static String segment(String remote) {
        String snake = remote.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_")
                .replaceAll("_+", "_").replaceAll("^_|_$", "");
        if (snake.isEmpty()) snake = "tool";
        return Character.isLetter(snake.charAt(0)) ? snake : "t" + snake;
    }

    String remoteName() {
        return remoteName;
    }

    @Override
    public ToolDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public JsonNode call(ToolContext context, JsonNode args) throws SyscallException {
        try {
            return callAsync(context, args).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SyscallException se) throw se;
            throw new SyscallException(Errno.EIO, String.valueOf(e.getCause()));
        }
    }

    @Override
    public CompletionStage<JsonNode> callAsync(ToolContext context, JsonNode args) {
        CompletableFuture<JsonNode> out = new CompletableFuture<>();
        McpClient c = client.get();
        if (c == null) {
            out.completeExceptionally(new SyscallException(Errno.EIO, "MCP server '" + server + "' is not connected (mcp:list says why)"));
            return out;
        }
        CompletableFuture<JsonNode> call = c.callTool(remoteName, args);
        call.whenComplete((result, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                out.completeExceptionally(cause instanceof SyscallException ? cause
                        : new SyscallException(Errno.EIO, "MCP server '" + server + "': " + cause));
            } else if (result.path("isError").asBoolean(false)) {
                out.completeExceptionally(new SyscallException(Errno.EIO, descriptor.name() + " failed on MCP server '" + server
                        + "': " + text(result)));
            } else {
                out.complete(value(result));
            }
        });
        out.whenComplete((r, e) -> {
            if (out.isCancelled()) call.cancel(true); // the kernel gave up on it: so do we
        });
        return out;
    }

    /** What the caller gets: the structured content when there is one, else the text and the content blocks. */
    static JsonNode value(JsonNode result) {
        JsonNode structured = result.get("structuredContent");
        if (structured != null && structured.isObject()) return structured;
        ObjectNode v = JsonNodeFactory.instance.objectNode().put("text", text(result));
        v.set("content", result.path("content").isArray() ? result.get("content") : JsonNodeFactory.instance.arrayNode());
        return v;
    }

    static String text(JsonNode result) {
        StringBuilder b = new StringBuilder();
        for (JsonNode block : result.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                if (b.length() > 0) b.append('\n');
                b.append(block.path("text").asText());
            }
        }
        return b.toString();
    }
}
