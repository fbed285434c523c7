package org.agentos.mcp.bridge.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.mcp.bridge.token.McpTokens;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP server on the HTTP service, at {@code /mcp}: the streamable HTTP transport (revision
 * 2025-11-25; 2025-06-18 and 2025-03-26 clients are answered in theirs). POST carries one
 * JSON-RPC message (answered as JSON, or 202 for a notification), GET opens a stream of
 * server-sent events for {@code notifications/tools/list_changed}, DELETE ends the session. Every
 * request needs a bearer token ({@link McpTokens}; none or a wrong one: 401) and, from a browser,
 * an allowed Origin (403 otherwise: a web page cannot drive the tools of the machine it runs on).
 * Own transport on {@code javax.servlet}: the MCP Java SDK's servlet transport needs Jakarta
 * servlets, which Karaf 4.4 does not serve, and the protocol's surface here is four methods.
 */
@RequiresPermission({KernelPermission.KERNEL_ADMIN, KernelPermission.SYSCALL_GATEWAY})
@Component(service = {Servlet.class, EventHandler.class}, configurationPid = McpServlet.PID, property = {
        "osgi.http.whiteboard.servlet.pattern=/mcp",
        "osgi.http.whiteboard.servlet.name=agentos-mcp",
        "osgi.http.whiteboard.servlet.asyncSupported=true",
        "event.topics=org/agentos/tool/*"})
@Designate(ocd = McpServlet.Config.class)
public class McpServlet extends HttpServlet implements EventHandler {
    static final String PID = "org.agentos.mcp";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(McpServlet.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    @ObjectClassDefinition(name = "Agent OS MCP server", description = "The syscall table served to MCP clients at /mcp")
    public @interface Config {
        @AttributeDefinition(description = "Origins (scheme://host:port) besides localhost that browsers may call from")
        String[] allowedOrigins() default {};

        @AttributeDefinition(description = "The largest request body, in bytes (larger: 413)")
        int maxRequestBytes() default 4 << 20;

        @AttributeDefinition(description = "A session unused for this many minutes ends, and its principal process with it")
        int sessionIdleMinutes() default 30;

        @AttributeDefinition(description = "The most sessions held at once (more: the initialize is refused)")
        int maxSessions() default 10_000;

        @AttributeDefinition(description = "The most sessions one token holds at once: each is a process of its owner")
        int maxSessionsPerToken() default 100;
    }

    @Reference
    transient SyscallGateway gateway;

    @Reference
    transient ProcessManager processes;

    @Reference
    transient McpTokens tokens;

    /** Where refusals are recorded; none outside OSGi. */
    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    transient volatile org.agentos.kernel.api.audit.AuditLog audit;

    private final transient ObjectMapper json = new ObjectMapper();
    private transient Config config;
    private transient McpSessions sessions;
    private transient McpProtocol protocol;
    private transient ScheduledExecutorService expiry;

    @Activate
    void activate(Config config, BundleContext context) {
        start(config, context.getBundle().getVersion().toString());
    }

    /**
     * The servlet outside OSGi (benchmarks, embedding in another container): the configuration's
     * defaults, and no notifications of tool changes (nobody posts the events). {@link #deactivate()} it.
     */
    public static McpServlet standalone(SyscallGateway gateway, ProcessManager processes, McpTokens tokens, String version) {
        McpServlet s = new McpServlet();
        s.gateway = gateway;
        s.processes = processes;
        s.tokens = tokens;
        s.start(DEFAULTS, version);
        return s;
    }

    private static final Config DEFAULTS = new Config() {
        public Class<? extends java.lang.annotation.Annotation> annotationType() { return Config.class; }
        public String[] allowedOrigins() { return new String[0]; }
        public int maxRequestBytes() { return 4 << 20; }
        public int sessionIdleMinutes() { return 30; }
        public int maxSessions() { return 10_000; }
        public int maxSessionsPerToken() { return 100; }
    };

    private void start(Config config, String version) {
        this.config = config;
        sessions = new McpSessions(processes, config.maxSessions(), Math.max(1, config.maxSessionsPerToken()));
        protocol = new McpProtocol(json, gateway, sessions, version);
        expiry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agentos-mcp-sessions");
            t.setDaemon(true);
            return t;
        });
        long idle = TimeUnit.MINUTES.toMillis(Math.max(1, config.sessionIdleMinutes()));
        expiry.scheduleWithFixedDelay(() -> {
            java.util.Set<String> live = new java.util.HashSet<>(); // the tokens once per round, not once per session
            for (McpTokens.Grant g : tokens.list()) live.add(g.name());
            sessions.expire(idle, g -> live.contains(g.name()));
        }, 1, 1, TimeUnit.MINUTES);
    }

    @Deactivate
    public void deactivate() {
        expiry.shutdownNow();
        sessions.closeAll();
    }

    @Override
    public void handleEvent(Event event) { // a tool bundle came or went
        sessions.notifyAll("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!originAllowed(req.getHeader("Origin"))) {
            refuse(req, resp, HttpServletResponse.SC_FORBIDDEN, "origin " + req.getHeader("Origin") + " is not allowed");
            return;
        }
        Optional<McpTokens.Grant> grant = tokens.check(bearer(req));
        if (grant.isEmpty()) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"agentos-mcp\"");
            refuse(req, resp, HttpServletResponse.SC_UNAUTHORIZED, "a valid bearer token is required (mcp:token create)");
            return;
        }
        req.setAttribute(OWNER, grant.get().owner() + " (token " + grant.get().name() + ")");
        String version = req.getHeader(VERSION_HEADER);
        if (version != null && !McpProtocol.SUPPORTED.contains(version)) {
            refuse(req, resp, HttpServletResponse.SC_BAD_REQUEST, "MCP-Protocol-Version " + version + " is not one of "
                    + McpProtocol.SUPPORTED);
            return;
        }
        switch (req.getMethod()) {
            case "POST" -> post(req, resp, grant.get());
            case "GET" -> stream(req, resp, grant.get());
            case "DELETE" -> {
                McpSessions.Session s = session(req, resp, grant.get());
                if (s == null) return;
                sessions.close(s);
                resp.setStatus(HttpServletResponse.SC_OK);
            }
            default -> {
                resp.setHeader("Allow", "POST, GET, DELETE");
                refuse(req, resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, req.getMethod() + " is not part of MCP");
            }
        }
    }

    private void post(HttpServletRequest req, HttpServletResponse resp, McpTokens.Grant grant) throws IOException {
        byte[] body = readAtMost(req.getInputStream(), config.maxRequestBytes());
        if (body == null) {
            error(req, resp, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, null, McpProtocol.INVALID_REQUEST,
                    "the request is larger than " + config.maxRequestBytes() + " bytes");
            return;
        }
        JsonNode msg;
        try {
            msg = json.readTree(body);
        } catch (JsonProcessingException e) {
            error(req, resp, HttpServletResponse.SC_BAD_REQUEST, null, McpProtocol.PARSE_ERROR, "not JSON: " + e.getOriginalMessage());
            return;
        }
        if (msg == null || msg.isArray()) {
            error(req, resp, HttpServletResponse.SC_BAD_REQUEST, null, McpProtocol.INVALID_REQUEST,
                    msg == null ? "an empty request" : "a batch: MCP since 2025-06-18 sends one message per request");
            return;
        }
        JsonNode id = msg.get("id");
        if (!msg.isObject() || !"2.0".equals(msg.path("jsonrpc").asText()) || (id != null && !id.isTextual() && !id.isIntegralNumber()
                && !id.isNull())) {
            error(req, resp, HttpServletResponse.SC_BAD_REQUEST, null, McpProtocol.INVALID_REQUEST, "not a JSON-RPC 2.0 message");
            return;
        }
        String method = msg.path("method").isTextual() ? msg.get("method").asText() : null;
        boolean request = method != null && id != null && !id.isNull();
        if ("initialize".equals(method) && request) {
            initialize(req, resp, grant, id, msg.path("params"));
            return;
        }
        McpSessions.Session s = session(req, resp, grant);
        if (s == null) return;
        if (!request) { // a notification, or a response to the server: nothing to answer
            resp.setStatus(HttpServletResponse.SC_ACCEPTED);
            return;
        }
        try {
            ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0");
            r.set("id", id);
            r.set("result", protocol.answer(s, method, msg.get("params")));
            reply(resp, r);
        } catch (McpProtocol.RpcError e) {
            error(req, resp, HttpServletResponse.SC_OK, id, e.code, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("MCP {} of session {} failed", method, s.id, e);
            error(req, resp, HttpServletResponse.SC_OK, id, McpProtocol.INTERNAL_ERROR, "the server failed: " + e);
        }
    }

    private void initialize(HttpServletRequest req, HttpServletResponse resp, McpTokens.Grant grant, JsonNode id, JsonNode params)
            throws IOException {
        String client = params.path("clientInfo").path("name").asText("unnamed client");
        if (!client.matches("[\\p{L}\\p{N} ._@/()-]{1,100}")) client = "unnamed client";
        String version = McpProtocol.negotiate(params.path("protocolVersion").asText(""));
        McpSessions.Session s;
        try {
            s = sessions.open(grant, client, version);
        } catch (SyscallException e) {
            error(req, resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, id, McpProtocol.INTERNAL_ERROR, e.errno() + ": " + e.getMessage());
            return;
        }
        LOG.info("MCP session for token '{}' ({}, client '{}'): principal pid {}", grant.name(), grant.owner(), client, s.pid);
        ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0");
        r.set("id", id);
        r.set("result", protocol.initialized(s));
        resp.setHeader(SESSION_HEADER, s.id);
        reply(resp, r);
    }

    /** A GET: a stream of server-sent events (the server's notifications) while the session lasts. */
    private void stream(HttpServletRequest req, HttpServletResponse resp, McpTokens.Grant grant) throws IOException {
        String accept = req.getHeader("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            resp.setHeader("Allow", "POST, GET, DELETE");
            refuse(req, resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "GET opens an event stream: Accept: text/event-stream");
            return;
        }
        McpSessions.Session s = session(req, resp, grant);
        if (s == null) return;
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("text/event-stream");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-cache");
        AsyncContext a = req.startAsync();
        a.setTimeout(TimeUnit.MINUTES.toMillis(Math.max(1, config.sessionIdleMinutes())));
        a.addListener(new AsyncListener() {
            @Override public void onComplete(AsyncEvent e) { s.streams.remove(a); }
            @Override public void onTimeout(AsyncEvent e) { s.streams.remove(a); a.complete(); }
            @Override public void onError(AsyncEvent e) { s.streams.remove(a); }
            @Override public void onStartAsync(AsyncEvent e) { }
        });
        s.streams.add(a);
        resp.getWriter().write(": agentos\n\n"); // a comment: the stream is open
        resp.flushBuffer();
    }

    /** The request's session: 400 without one, 404 for one that is not (or no longer) there, 403 for another token's. */
    private McpSessions.Session session(HttpServletRequest req, HttpServletResponse resp, McpTokens.Grant grant) throws IOException {
        String id = req.getHeader(SESSION_HEADER);
        if (id == null) {
            error(req, resp, HttpServletResponse.SC_BAD_REQUEST, null, McpProtocol.INVALID_REQUEST, "no " + SESSION_HEADER
                    + " header: initialize first");
            return null;
        }
        McpSessions.Session s = sessions.get(id);
        if (s == null) {
            error(req, resp, HttpServletResponse.SC_NOT_FOUND, null, McpProtocol.INVALID_REQUEST, "no session " + id
                    + " (it ended, or the server restarted): initialize again");
            return null;
        }
        if (!s.grant.name().equals(grant.name())) {
            refuse(req, resp, HttpServletResponse.SC_FORBIDDEN, "the session belongs to another token");
            return null;
        }
        return s;
    }

    private boolean originAllowed(String origin) {
        if (origin == null) return true; // not a browser
        try {
            String host = URI.create(origin).getHost();
            if (host != null && LOCAL_HOSTS.contains(host)) return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
        return List.of(config.allowedOrigins()).contains(origin);
    }

    private static String bearer(HttpServletRequest req) {
        String h = req.getHeader("Authorization");
        return h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
    }

    /** The body, or null when it is longer than {@code max}. */
    private static byte[] readAtMost(InputStream in, int max) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        return b.length > max ? null : b;
    }

    private void reply(HttpServletResponse resp, JsonNode body) throws IOException {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        json.writeValue(resp.getOutputStream(), body);
    }

    private void error(HttpServletRequest req, HttpServletResponse resp, int status, JsonNode id, int code, String message)
            throws IOException {
        audit(req, status, code, message);
        ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0");
        r.set("id", id);
        r.putObject("error").put("code", code).put("message", message);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        json.writeValue(resp.getOutputStream(), r);
    }

    /** The request's attribute naming whose token it carries, once checked. */
    private static final String OWNER = "org.agentos.mcp.owner";

    /**
     * Every refusal goes into the audit log (name {@code mcp.refused}), at most
     * {@value #AUDITED_PER_SECOND} a second: a client that floods the endpoint with bad requests
     * cannot flood the audit log; the next record says how many were left out.
     */
    private void audit(HttpServletRequest req, int status, int code, String message) {
        org.agentos.kernel.api.audit.AuditLog log = audit;
        if (log == null) return;
        long now = System.nanoTime() / 1_000_000_000L;
        long more;
        synchronized (this) {
            if (now != auditSecond) {
                auditSecond = now;
                auditedThisSecond = 0;
            }
            if (++auditedThisSecond > AUDITED_PER_SECOND) {
                notAudited++;
                return;
            }
            more = notAudited;
            notAudited = 0;
        }
        Object owner = req.getAttribute(OWNER);
        log.record("mcp.refused", errno(status, code), owner == null ? "anonymous" : owner.toString(), "HTTP " + status
                + (code == 0 ? "" : ", JSON-RPC " + code) + " to " + req.getRemoteAddr() + ": " + message
                + (more == 0 ? "" : " (and " + more + " more refusals not recorded)"));
    }

    static final int AUDITED_PER_SECOND = 50;
    private transient long auditSecond;
    private transient int auditedThisSecond;
    private transient long notAudited;

    /** The errno an audit reader looks for, for an HTTP status or a JSON-RPC error. */
    static String errno(int status, int code) {
        if (status == HttpServletResponse.SC_UNAUTHORIZED || status == HttpServletResponse.SC_FORBIDDEN) return "EPERM";
        if (status == HttpServletResponse.SC_NOT_FOUND) return "ENOENT";
        if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) return "EAGAIN";
        if (code == McpProtocol.METHOD_NOT_FOUND || status == HttpServletResponse.SC_METHOD_NOT_ALLOWED) return "ENOSYS";
        if (code == McpProtocol.INTERNAL_ERROR) return "EIO";
        return "EINVAL";
    }

    /** An HTTP refusal, logged: who was turned away and why. */
    private void refuse(HttpServletRequest req, HttpServletResponse resp, int status, String why) throws IOException {
        LOG.warn("MCP {} {} from {} refused ({}): {}", req.getMethod(), req.getRequestURI(), req.getRemoteAddr(), status, why);
        error(req, resp, status, null, McpProtocol.INVALID_REQUEST, why);
    }
}
