package org.agentos.console.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URL;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.agentos.console.web.api.ApiException;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.console.web.api.Caller;
import org.agentos.console.web.api.Params;
import org.agentos.console.web.api.ProcessesApi;
import org.agentos.console.web.api.SystemApi;
import org.agentos.console.web.api.SystemHistory;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Agents section of Karaf's web console ({@code /system/console/agents}): a page of plain
 * JavaScript over a JSON API under the same login ({@code /system/console/agents/<name>.json}).
 * Everyone logged in reads; changes (kill, pause, resume, swap) are POSTs an administrator makes,
 * from this origin, each audited with the web user's name.
 */
@RequiresPermission({KernelPermission.KERNEL_ADMIN, KernelPermission.FS_ADMIN, KernelPermission.MEM_ADMIN})
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=agents",
        "felix.webconsole.title=Agents",
        "felix.webconsole.category=Agent OS"})
public class AgentsPlugin extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AgentsPlugin.class);
    /** How often the charts' history is sampled. */
    static final long HISTORY_SECONDS = 5;

    @Reference
    transient ProcessManager processes;
    @Reference
    transient AuditLog audit;
    @Reference
    transient Subsystems subsystems;
    @Reference
    transient MessageQueues queues;
    @Reference
    transient KernelMetrics kernel;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    transient volatile FileSystem files;

    /** The cluster this installation is a node of, when agentos-cluster is installed. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    transient volatile Cluster cluster;
    /** Every manager installed; the page shows the one the kernel has bound. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    transient volatile List<MemoryManager> memories = new CopyOnWriteArrayList<>();

    private final transient ObjectMapper json = new ObjectMapper();
    private transient ProcessesApi processesApi;
    private transient SystemApi systemApi;
    private transient ScheduledExecutorService sampler;

    @Activate
    void activate() {
        SystemHistory history = new SystemHistory(kernel);
        processesApi = new ProcessesApi(json, processes, audit, queues, () -> files, this::boundMemory);
        systemApi = new SystemApi(json, kernel, subsystems, queues, audit, this::boundMemory, history);
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agentos-web-history");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(() -> {
            try {
                history.sample(System.currentTimeMillis(), System.nanoTime());
            } catch (RuntimeException e) {
                LOG.debug("history sample skipped (the kernel restarting?)", e);
            }
        }, 0, HISTORY_SECONDS, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        sampler.shutdownNow();
    }

    private MemoryManager boundMemory() {
        String bound = subsystems.bound("memory");
        for (MemoryManager m : memories) {
            if (m.name().equals(bound)) return m;
        }
        return null;
    }

    /** The console's resource lookup: {@code /agents/res/<file>} from this bundle. */
    public URL getResource(String path) {
        String prefix = "/agents/res/";
        if (path == null || !path.startsWith(prefix)) return null;
        String name = path.substring(prefix.length());
        if (!name.matches("[a-z0-9-]+\\.(js|css)")) return null;
        return getClass().getResource("/res/" + name);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String api = apiName(req);
        if (api == null) {
            page(req, resp);
            return;
        }
        WebUser user = user(req);
        Caller caller = new Caller(user.name(), user.admin());
        answer(resp, () -> switch (api) {
            case "processes" -> processesApi.list(params(req), caller);
            case "process" -> processesApi.one(params(req).number("pid", -1, 1, Long.MAX_VALUE), caller);
            case "top" -> systemApi.top(params(req), System.nanoTime(), caller);
            case "history" -> systemApi.history();
            case "nodes" -> systemApi.nodes(cluster);
            case "subsystems" -> systemApi.subsystems();
            case "queues" -> systemApi.queues(params(req), caller);
            case "spaces" -> systemApi.spaces(params(req), caller);
            case "audit" -> processesApi.audit(params(req), caller);
            case "whoami" -> json.createObjectNode().put("user", user.name()).put("admin", user.admin());
            default -> throw new ApiException(404, "ENOENT", "no " + api + ".json here");
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String api = apiName(req);
        WebUser user = user(req);
        answer(resp, () -> {
            if (api == null) throw new ApiException(405, "EINVAL", "POST goes to an action: process.json, subsystems.json");
            if (!user.admin()) {
                audit.record("web." + api, "EPERM", user.name(), "a " + String.join("/", user.roles()) + " may look, not act");
                throw new ApiException(403, "EPERM", "only an administrator acts; " + user.name() + " may look");
            }
            sameOrigin(req);
            Params p = params(req);
            return switch (api) {
                case "process" -> processesApi.act(p.number("pid", -1, 1, Long.MAX_VALUE), p.text("action", 16), user.name());
                case "subsystems" -> systemApi.swap(p, user.name());
                default -> throw new ApiException(404, "ENOENT", "no action " + api + ".json here");
            };
        });
    }

    /**
     * A browser sends the web console's login with any request to this origin, a forged form's
     * too: an action must carry the page's header and come from this origin.
     */
    private static void sameOrigin(HttpServletRequest req) throws ApiException {
        if (!"agents".equals(req.getHeader("X-Agentos-Request"))) {
            throw new ApiException(403, "EPERM", "an action needs the header X-Agentos-Request: agents (sent by the page)");
        }
        String origin = req.getHeader("Origin");
        if (origin != null) {
            String host = req.getHeader("Host");
            if (host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host))) {
                throw new ApiException(403, "EPERM", "an action from another origin (" + origin + ") is refused");
            }
        }
    }

    /** The name of a JSON API request ({@code /agents/processes.json} gives {@code processes}), or null for the page. */
    private static String apiName(HttpServletRequest req) {
        String path = req.getPathInfo();
        if (path == null) return null;
        int slash = path.indexOf('/', 1);
        String rest = slash < 0 ? "" : path.substring(slash + 1);
        if (!rest.endsWith(".json")) return null;
        return rest.substring(0, rest.length() - 5);
    }

    /** The user the security provider admitted; a user it did not set (another provider) may only look. */
    private static WebUser user(HttpServletRequest req) {
        if (req.getAttribute(WebUser.ATTRIBUTE) instanceof WebUser u) return u;
        String name = req.getRemoteUser();
        return new WebUser(name == null ? "anonymous" : name, java.util.Set.of(), null, false);
    }

    private static Params params(HttpServletRequest req) {
        return new Params(req.getParameterMap());
    }

    private interface Handler {
        ObjectNode handle() throws ApiException;
    }

    private void answer(HttpServletResponse resp, Handler h) throws IOException {
        ObjectNode body;
        int status = 200;
        try {
            body = h.handle();
        } catch (ApiException e) {
            status = e.status();
            body = json.createObjectNode().put("errno", e.errno()).put("message", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("web view request failed", e);
            status = 500;
            body = json.createObjectNode().put("errno", "EIO").put("message", "the request failed: " + e);
        }
        byte[] bytes = json.writeValueAsBytes(body);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    /** The section's page, inside the web console's frame: a shell the script fills. */
    private void page(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object root = req.getAttribute("felix.webconsole.pluginRoot");
        String base = root == null ? req.getContextPath() + req.getServletPath() + "/agents" : root.toString();
        WebUser user = user(req);
        String html = """
                <link rel="stylesheet" href="BASE/res/agents.css">
                <div id="agentos" data-root="BASE" data-user="USER" data-admin="ADMIN">
                  <p class="statline">Logged in as <b>USER</b> (ROLE). <span id="agentos-message"></span></p>
                  <nav id="agentos-tabs"></nav>
                  <section id="agentos-view"></section>
                </div>
                <script src="BASE/res/agents.js"></script>
                """.replace("BASE", escape(base)).replace("USER", escape(user.name()))
                .replace("ADMIN", Boolean.toString(user.admin())).replace("ROLE", user.admin() ? "administrator: you may act" : "viewer: you may look");
        // inside the console's frame, which has taken the writer already
        resp.getWriter().write(html);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
