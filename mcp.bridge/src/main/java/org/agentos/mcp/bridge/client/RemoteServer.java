package org.agentos.mcp.bridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server whose tools are syscalls here: one per factory configuration
 * ({@value #FACTORY_PID}, which {@code mcp:add} writes into {@code etc/}, so servers come back
 * after a restart). It connects (initialize, tools/list), registers each tool as a {@link Tool}
 * service (the kernel puts it in the syscall table), follows the server's list changes, and while
 * the server is away keeps trying, its tools failing with {@code EIO} meanwhile. Removed (its
 * configuration deleted), its tools leave the table: calls in flight end with {@code ENOSYS}.
 */
@RequiresPermission(KernelPermission.TOOL_PROVIDE)
@Component(service = RemoteServer.class, configurationPid = RemoteServer.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RemoteServer.Config.class, factory = true)
public class RemoteServer {
    public static final String FACTORY_PID = "org.agentos.mcp.server";
    private static final Logger LOG = LoggerFactory.getLogger(RemoteServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Agent OS MCP server (remote)", description = "An MCP server whose tools agents call as syscalls")
    public @interface Config {
        @AttributeDefinition(description = "Its name: its tools are syscalls mcp.<name>.<tool>")
        String name();

        @AttributeDefinition(description = "Its streamable HTTP endpoint, e.g. http://localhost:3001/mcp (or a command)")
        String url() default "";

        @AttributeDefinition(description = "The command that starts it over stdio, in the HAL sandbox, in "
                + "${karaf.data}/agentos/mcp/<name> (seen there as /work); instead of a url")
        String[] command() default {};

        @AttributeDefinition(description = "For a command: the memory it may map, in MiB")
        int memoryMiB() default 2048;

        @AttributeDefinition(description = "For a command: whether it may use the network")
        boolean network() default false;

        @AttributeDefinition(description = "A bearer token to send it (empty: none)")
        String token() default "";

        @AttributeDefinition(description = "How long a call may take, in seconds (then ETIMEDOUT)")
        int timeoutSeconds() default 30;

        @AttributeDefinition(description = "Seconds between attempts to connect while it is away")
        int reconnectSeconds() default 10;
    }

    private String name;
    private URI url;
    private List<String> command;

    /** The HAL whose sandbox runs a server given as a command. */
    @org.osgi.service.component.annotations.Reference(policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
            policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
    volatile org.agentos.kernel.api.hal.Hal hal;
    private Config config;
    private BundleContext context;
    private ScheduledExecutorService worker;
    private volatile McpClient client;
    private volatile String state = "connecting";
    /** Syscall name to its registration; changed on the worker thread only. */
    private final Map<String, ServiceRegistration<Tool>> registered = new LinkedHashMap<>();
    private volatile List<String> tools = List.of();

    @Activate
    void activate(Config config, BundleContext context) {
        this.config = config;
        this.context = context;
        this.name = config.name();
        this.command = List.of(config.command());
        this.url = command.isEmpty() ? URI.create(config.url()) : null;
        worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agentos-mcp-server-" + name);
            t.setDaemon(true);
            return t;
        });
        worker.execute(this::connect);
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (registered) {
            for (ServiceRegistration<Tool> r : registered.values()) unregister(r);
            registered.clear();
        }
        McpClient c = client;
        client = null;
        if (c != null) c.close();
        closed.countDown();
    }

    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    /** Counted down when the first attempt to connect has ended, either way. */
    private final java.util.concurrent.CountDownLatch attempted = new java.util.concurrent.CountDownLatch(1);

    /** Waits until its first attempt to connect has ended (connected, or down and why); false after {@code millis}. */
    boolean awaitFirstAttempt(long millis) throws InterruptedException {
        return attempted.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Waits until it has closed (its tools out of the table); false after {@code millis}. */
    boolean awaitClosed(long millis) throws InterruptedException {
        return closed.await(millis, TimeUnit.MILLISECONDS);
    }

    public String name() {
        return name;
    }

    /** Its endpoint, or the command that runs it. */
    public String url() {
        return url != null ? url.toString() : "stdio: " + String.join(" ", command);
    }

    /** "connected", "connecting", or "down: <why>". */
    public String state() {
        return state;
    }

    /** Its tools' syscall names. */
    public List<String> tools() {
        return tools;
    }

    /** A client over HTTP, or over stdio to its command started in the HAL sandbox. */
    private McpClient open() throws SyscallException {
        Duration timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        if (url != null) return new HttpMcpClient(JSON, url, config.token(), timeout);
        org.agentos.kernel.api.hal.Hal h = hal;
        if (h == null) throw new SyscallException(org.agentos.kernel.api.syscall.Errno.ENOSYS, "no HAL is bound: nothing can run the command");
        java.nio.file.Path work = workDir(name);
        org.agentos.kernel.api.hal.Sandbox sandbox = h.sandbox();
        sandbox.prepareWorkDir(work);
        org.agentos.kernel.api.hal.SandboxProcess p = sandbox.open(org.agentos.kernel.api.hal.SandboxSpec.builder(command, work)
                .timeout(Duration.ofDays(3650)).cpuSeconds(Long.MAX_VALUE / 4).memoryBytes((long) Math.max(64, config.memoryMiB()) << 20)
                .processes(256).network(config.network()).maxOutputBytes(64 * 1024).build());
        return new StdioMcpClient(JSON, p, "'" + name + "'", timeout);
    }

    /** Where a server given as a command runs: ${karaf.data}/agentos/mcp/<name>. */
    public static java.nio.file.Path workDir(String name) {
        String data = System.getProperty("karaf.data");
        java.nio.file.Path root = data != null ? java.nio.file.Path.of(data) : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        return root.resolve("agentos").resolve("mcp").resolve(name);
    }

    /** Connects and lists its tools; on failure says why and tries again later. Worker thread. */
    private void connect() {
        McpClient c = null;
        try {
            c = open();
            JsonNode info = c.initialize();
            client = c;
            sync(c.listTools());
            McpClient connected = c;
            c.listen(() -> worker.execute(this::relist), () -> worker.execute(() -> lost(connected)));
            state = "connected";
            attempted.countDown();
            LOG.info("MCP server '{}' at {} ({}): {} tools", name, url(), info.path("serverInfo").path("name").asText("?"), tools.size());
        } catch (SyscallException e) {
            client = null;
            if (c != null) c.close();
            state = "down: " + e.errno() + " " + e.getMessage();
            LOG.warn("MCP server '{}' at {}: {}; trying again in {} s", name, url(), state, config.reconnectSeconds());
            attempted.countDown();
            if (!worker.isShutdown()) worker.schedule(this::connect, Math.max(1, config.reconnectSeconds()), TimeUnit.SECONDS);
        }
    }

    /** Its event stream ended: it went away, or ended our session. Its tools fail with EIO until it is back. */
    private void lost(McpClient c) {
        if (client != c || worker.isShutdown()) return;
        client = null;
        c.close();
        state = "down: it went away; reconnecting";
        LOG.warn("MCP server '{}' at {}: the event stream ended; reconnecting", name, url());
        worker.schedule(this::connect, Math.max(1, config.reconnectSeconds()), TimeUnit.SECONDS);
    }

    private void relist() {
        McpClient c = client;
        if (c == null) return;
        try {
            sync(c.listTools());
        } catch (SyscallException e) {
            LOG.warn("MCP server '{}': listing its tools after a change failed: {}", name, e.getMessage());
        }
    }

    /** Registers what is new, unregisters what has gone. Worker thread. */
    private void sync(List<JsonNode> remote) {
        Map<String, JsonNode> wanted = new LinkedHashMap<>();
        for (JsonNode t : remote) {
            if (!t.path("name").isTextual()) continue;
            String base = "mcp." + name + "." + RemoteTool.segment(t.get("name").asText());
            String syscall = base;
            for (int i = 2; wanted.containsKey(syscall); i++) syscall = base + "_" + i; // two remote names, one spelling
            wanted.put(syscall, t);
        }
        synchronized (registered) {
            for (var it = registered.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!wanted.containsKey(e.getKey())) {
                    unregister(e.getValue());
                    it.remove();
                }
            }
            for (Map.Entry<String, JsonNode> w : wanted.entrySet()) {
                if (registered.containsKey(w.getKey())) continue;
                try {
                    RemoteTool tool = new RemoteTool(name, w.getKey(), w.getValue(), Duration.ofSeconds(Math.max(1, config.timeoutSeconds())),
                            () -> client);
                    registered.put(w.getKey(), context.registerService(Tool.class, tool, new java.util.Hashtable<>(Map.of(
                            "agentos.mcp.server", name))));
                } catch (RuntimeException e) {
                    LOG.warn("MCP server '{}': tool '{}' left out: {}", name, w.getValue().path("name").asText(), e.getMessage());
                }
            }
            tools = new ArrayList<>(registered.keySet());
        }
    }

    private static void unregister(ServiceRegistration<Tool> r) {
        try {
            r.unregister();
        } catch (IllegalStateException gone) {
            // unregistered with the bundle
        }
    }
}
