package org.agentos.mcp.bridge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * The MCP methods this server answers, over any transport: {@code initialize} (the transport
 * makes the session), {@code ping}, {@code logging/setLevel}, {@code tools/list} (the syscall table, only what the session's
 * principal may call) and {@code tools/call} (a syscall of the principal through the kernel's one
 * mediation path). A syscall's errno is a tool error ({@code isError}) with the message; protocol
 * mistakes are JSON-RPC errors.
 */
final class McpProtocol {
    static final String LATEST = "2025-11-25";
    static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18", "2025-03-26");

    /** The syslog levels MCP's logging/setLevel names. */
    static final List<String> LEVELS = List.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL_ERROR = -32603;

    private final ObjectMapper json;
    private final SyscallGateway gateway;
    private final McpSessions sessions;
    private final String version;

    McpProtocol(ObjectMapper json, SyscallGateway gateway, McpSessions sessions, String version) {
        this.json = json;
        this.gateway = gateway;
        this.sessions = sessions;
        this.version = version;
    }

    /** The protocol version to speak with a client that asked for {@code requested}. */
    static String negotiate(String requested) {
        return SUPPORTED.contains(requested) ? requested : LATEST;
    }

    /** The result of {@code initialize} for {@code session}. */
    ObjectNode initialized(McpSessions.Session session) {
        ObjectNode r = json.createObjectNode().put("protocolVersion", session.protocolVersion);
        ObjectNode caps = r.putObject("capabilities");
        caps.putObject("tools").put("listChanged", true);
        caps.putObject("logging"); // the level is kept per session; the server sends no log messages yet
        r.putObject("serverInfo").put("name", "agentos").put("title", "Agent OS").put("version", version);
        r.put("instructions", "The tools are Agent OS system calls, made as '" + session.grant.owner()
                + "' with the capabilities of token '" + session.grant.name() + "'. A failed call says its errno "
                + "(EPERM, ENOENT, EINVAL, ...) and why.");
        return r;
    }

    /** Answers request {@code method} of {@code session}: its result, or a JSON-RPC error thrown as {@link RpcError}. */
    JsonNode answer(McpSessions.Session session, String method, JsonNode params) throws RpcError {
        return switch (method) {
            case "ping" -> json.createObjectNode();
            case "tools/list" -> toolsList(session);
            case "tools/call" -> toolsCall(session, params);
            case "logging/setLevel" -> {
                String level = params == null ? null : params.path("level").asText(null);
                if (level == null || !LEVELS.contains(level)) throw new RpcError(INVALID_PARAMS, "level is one of " + LEVELS);
                session.logLevel = level;
                yield json.createObjectNode();
            }
            case "initialize" -> throw new RpcError(INVALID_REQUEST, "the session is initialized already");
            default -> throw new RpcError(METHOD_NOT_FOUND, "no method '" + method + "' here (this server has tools only)");
        };
    }

    private ObjectNode toolsList(McpSessions.Session session) {
        ObjectNode r = json.createObjectNode();
        ArrayNode tools = r.putArray("tools");
        for (ToolDescriptor d : gateway.tools()) {
            if (mayCall(d, session.caps) && gateway.callable(d.name())) tools.add(tool(d)); // not proc.sleep and the like
        }
        return r;
    }

    private ObjectNode tool(ToolDescriptor d) {
        ObjectNode t = json.createObjectNode().put("name", d.name());
        t.put("description", d.description() == null ? d.name() : d.description());
        JsonNode schema = d.argsSchema();
        t.set("inputSchema", schema != null && schema.isObject() && "object".equals(schema.path("type").asText())
                ? schema : ToolDescriptor.emptyObjectSchema());
        ObjectNode hints = t.putObject("annotations");
        hints.put("readOnlyHint", d.determinism() == Determinism.PURE);
        hints.put("idempotentHint", d.idempotent());
        return t;
    }

    private ObjectNode toolsCall(McpSessions.Session session, JsonNode params) throws RpcError {
        if (params == null || !params.path("name").isTextual()) throw new RpcError(INVALID_PARAMS, "tools/call needs a tool name (params.name)");
        String name = params.get("name").asText();
        JsonNode args = params.path("arguments");
        if (args.isMissingNode() || args.isNull()) args = json.createObjectNode();
        if (!args.isObject()) throw new RpcError(INVALID_PARAMS, "params.arguments must be an object");
        Optional<ToolDescriptor> d = gateway.describe(name);
        if (d.isEmpty() || !mayCall(d.get(), session.caps)) throw new RpcError(INVALID_PARAMS, "unknown tool '" + name + "'");
        SyscallResult r;
        try {
            r = gateway.call(sessions.principal(session), name, args);
            if (!r.isOk() && r.errno() == Errno.ESRCH) r = gateway.call(sessions.principal(session), name, args); // it ended meanwhile
        } catch (SyscallException e) {
            r = SyscallResult.error(e.errno(), e.getMessage());
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode content = out.putArray("content");
        if (r.isOk()) {
            content.addObject().put("type", "text").put("text", r.value() == null ? "null" : r.value().toString());
            if (r.value() != null && r.value().isObject()) out.set("structuredContent", r.value());
            out.put("isError", false);
        } else {
            content.addObject().put("type", "text").put("text", r.errno().name() + ": " + r.message());
            out.putObject("structuredContent").put("errno", r.errno().name()).put("message", r.message());
            out.put("isError", true);
        }
        return out;
    }

    /**
     * Whether a principal holding {@code caps} may call the tool for some arguments: each
     * capability it needs ({@code {arg}} standing for an argument) could be permitted by one of
     * the patterns held. A listing, not the check: the kernel checks each call with its arguments.
     */
    static boolean mayCall(ToolDescriptor d, CapabilitySet caps) {
        for (String required : d.capabilities()) {
            int brace = required.indexOf('{');
            if (brace < 0) {
                if (!caps.permits(required)) return false;
                continue;
            }
            String fixed = required.substring(0, brace);
            boolean possible = false;
            for (String p : caps.patterns()) {
                String held = upToWildcard(p);
                if (held.startsWith(fixed) || fixed.startsWith(held)) {
                    possible = true;
                    break;
                }
            }
            if (!possible) return false;
        }
        return true;
    }

    private static String upToWildcard(String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' || c == '?' || c == '{' || c == '[') return pattern.substring(0, i);
        }
        return pattern;
    }

    /** A JSON-RPC error to answer with. */
    static final class RpcError extends Exception {
        final int code;

        RpcError(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
