package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.agent.dsl.Problem;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.dsl.Workflows;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Workflows} service: the engine on the live syscall table (read through this
 * bundle's syscall gateway), and each installed workflow registered as an {@link Agent} service,
 * which the agent runtime makes a program of this bundle.
 */
@Component(service = {Workflows.class, EventHandler.class, WorkflowService.class}, immediate = true,
        property = {"event.topics=org/agentos/process/EXITED", "event.topics=org/agentos/tool/ADDED",
                "event.topics=org/agentos/tool/REMOVED"})
@RequiresPermission({KernelPermission.SYSCALL_GATEWAY, KernelPermission.KERNEL_ADMIN, KernelPermission.FS_ADMIN})
public class WorkflowService implements Workflows, EventHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowService.class);
    /** A workflow just installed is kept this long even without a process: its spawn comes next. */
    private static final long SPAWN_GRACE_MILLIS = 60_000;

    // Optional and dynamic: when the kernel restarts (a HAL swap), this service, its tools and the
    // installed workflows' programs stay registered, and calls meanwhile are ENOSYS.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyscallGateway gateway;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ProcessManager processes;

    /** The agents' filesystem, where the example workflows are copied at first boot. */
    private volatile FileSystem fs;

    private BundleContext context;
    private WorkflowEngine engine;
    private WorkflowStore store;
    private final Map<String, Installed> installed = new ConcurrentHashMap<>();
    /** Stored workflows not installed again yet (their tools are not all there). */
    private final List<WorkflowStore.Stored> pending = new java.util.concurrent.CopyOnWriteArrayList<>();

    private record Installed(WorkflowCheck check, String file, WorkflowAgent agent, ServiceRegistration<?> registration,
                             long sinceMillis) {}

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        engine = new WorkflowEngine(ClassPath.of(context.getBundle()), () -> kernel().tools(),
                WorkflowService.class.getClassLoader());
        String data = context.getProperty("karaf.data");
        store = new WorkflowStore(data == null ? null : Path.of(data, "agentos", "workflows"));
        reinstall();
        copyExamples();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindFileSystem(FileSystem fs) {
        this.fs = fs;
        if (context != null) copyExamples();
    }

    void unbindFileSystem(FileSystem fs) {
        if (this.fs == fs) this.fs = null;
    }

    /**
     * The example workflows the distribution ships in {@code etc/workflows}, copied once (at the
     * first boot with the agents' filesystem) to {@code /home/root/workflows}, where dsl:run and
     * agents find them. A marker in the data directory says it was done, so a user's edits or
     * deletions there are never undone.
     */
    private synchronized void copyExamples() {
        FileSystem vfs = fs;
        String home = context.getProperty("karaf.home");
        String data = context.getProperty("karaf.data");
        if (vfs == null || home == null || data == null) return;
        Path examples = Path.of(home, "etc", "workflows");
        Path marker = Path.of(data, "agentos", "workflows", ".examples-copied");
        if (!Files.isDirectory(examples) || Files.exists(marker)) return;
        FsCaller root = FsCaller.operator("root", "agent.dsl examples");
        try (var files = Files.newDirectoryStream(examples, "*.java")) {
            try {
                vfs.mkdir(root, EXAMPLES);
            } catch (SyscallException exists) {
                // there already
            }
            for (Path f : files) {
                try (var in = Files.newInputStream(f)) {
                    vfs.write(root, EXAMPLES + "/" + f.getFileName(), in);
                }
            }
            Files.createDirectories(marker.getParent());
            Files.writeString(marker, "the example workflows of etc/workflows were copied to " + EXAMPLES + "\n");
            LOG.info("example workflows copied to {}", EXAMPLES);
        } catch (IOException | SyscallException e) {
            LOG.warn("the example workflows could not be copied to {}: {}", EXAMPLES, e.toString());
        }
    }

    static final String EXAMPLES = "/home/root/workflows";

    /**
     * The workflows that were installed before a restart, compiled again so that their processes
     * (restored from the kernel's checkpoints) find their program. At boot the bundles that add
     * tools may not have registered them yet: a workflow that does not pass its check now waits
     * (as its processes do for their program) and is tried again each time a tool comes.
     */
    private void reinstall() {
        List<String> unreadable = new ArrayList<>();
        pending.addAll(store.load(unreadable));
        for (String u : unreadable) LOG.warn("a stored workflow cannot be read: {}", u);
        retryPending();
    }

    private void retryPending() {
        for (WorkflowStore.Stored s : pending) {
            SyscallGateway g = gateway;
            if (g == null || !s.tools().keySet().stream().allMatch(t -> g.describe(t).isPresent())) continue; // not yet
            try {
                install(s.file(), s.source(), s.capabilities(), false);
                pending.remove(s);
                LOG.info("workflow {} ({}) installed again", s.program(), s.file());
            } catch (SyscallException e) {
                LOG.info("workflow {} ({}) waits for its tools: {}", s.program(), s.file(), e.getMessage());
            }
        }
    }

    /**
     * A process ended: when it was the last one of a workflow's program, the workflow goes (its
     * Agent service, and so its class loader, and its stored source).
     */
    @Override
    public void handleEvent(Event event) {
        if (event.getTopic().startsWith("org/agentos/tool/")) {
            toolsChanged();
            return;
        }
        if (!(event.getProperty("program") instanceof String program)) return;
        Installed i = installed.get(program);
        if (i == null || System.currentTimeMillis() - i.sinceMillis() < SPAWN_GRACE_MILLIS) return;
        ProcessManager pm = processes;
        if (pm == null || pm.list(new ProcessQuery(null, program, null, false, 1)).matching() > 0) return;
        drop(program);
    }

    /**
     * A tool came or went: each workflow may start only while the tools it was compiled against
     * are there in a compatible version; a spawn otherwise is refused naming the tool.
     */
    private void toolsChanged() {
        SyscallGateway g = gateway;
        if (g == null) return;
        if (!pending.isEmpty()) retryPending();
        for (Installed i : installed.values()) {
            String why = WorkflowEngine.refusal(i.check().program(), i.check().tools(), g::describe);
            if (!java.util.Objects.equals(why, i.agent().refusal)) {
                if (why != null) LOG.info("workflow {} may not start until its tools are back: {}", i.check().program(), why);
                i.agent().refusal = why;
            }
        }
    }

    private void drop(String program) {
        Installed i;
        synchronized (installed) {
            i = installed.remove(program);
        }
        if (i == null) return;
        try {
            i.registration().unregister();
        } catch (IllegalStateException gone) {
            // the framework took it already
        }
        try {
            store.delete(program);
        } catch (IOException e) {
            LOG.warn("the stored source of workflow {} could not be deleted: {}", program, e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        for (Installed i : installed.values()) {
            try {
                i.registration().unregister();
            } catch (IllegalStateException gone) {
                // the framework took it already
            }
        }
        installed.clear();
    }

    /** The syscall gateway, or {@link KernelAway} while the kernel is not there (it restarts). */
    private SyscallGateway kernel() {
        SyscallGateway g = gateway;
        if (g == null) throw new KernelAway();
        return g;
    }

    /** The kernel went away under a call (it restarts, e.g. for a HAL swap): ENOSYS to the caller. */
    static final class KernelAway extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KernelAway() {
            super("the kernel is not running (it restarts?): try again", null, false, false);
        }

        SyscallException errno() {
            return new SyscallException(Errno.ENOSYS, getMessage());
        }
    }

    @Override
    public WorkflowCheck check(String file, String source, List<String> capabilities) {
        try {
            return engine.check(file, source, capabilities).check();
        } catch (KernelAway e) {
            return new WorkflowCheck(null, null, Map.of(), List.of(), List.of(),
                    List.of(new Problem(file, 0, 0, "error", e.errno().errno() + ": " + e.getMessage())));
        } catch (SyscallException e) { // a malformed capability pattern
            return new WorkflowCheck(null, null, Map.of(), List.of(), List.of(),
                    List.of(new Problem(file, 0, 0, "capability", e.getMessage())));
        }
    }

    @Override
    public WorkflowCheck install(String file, String source, List<String> capabilities) throws SyscallException {
        return install(file, source, capabilities, true);
    }

    private WorkflowCheck install(String file, String source, List<String> capabilities, boolean store)
            throws SyscallException {
        WorkflowEngine.Entry e;
        try {
            e = engine.check(file, source, capabilities);
        } catch (KernelAway away) {
            throw away.errno();
        }
        WorkflowCheck c = e.check();
        if (!c.ok()) {
            List<String> lines = new ArrayList<>();
            for (Problem p : c.problems()) lines.add(p.toString());
            throw new SyscallException(Errno.EINVAL, "the workflow did not pass its check:\n" + String.join("\n", lines));
        }
        synchronized (installed) {
            if (!installed.containsKey(c.program())) {
                try {
                    WorkflowAgent agent = new WorkflowAgent(c.program(), "workflow " + c.className() + " from " + file,
                            e.compiled(), e.stubs());
                    if (store) this.store.save(new WorkflowStore.Stored(c.program(), file, source, capabilities, c.tools()));
                    installed.put(c.program(), new Installed(c, file, agent,
                            context.registerService(Agent.class, agent, null), System.currentTimeMillis()));
                } catch (ReflectiveOperationException | LinkageError x) {
                    throw new SyscallException(Errno.EINVAL, "the workflow compiled but cannot be loaded: " + x);
                } catch (IOException x) {
                    throw new SyscallException(Errno.EIO, "the workflow's source could not be kept for a restart: " + x);
                }
            }
        }
        return c;
    }

    @Override
    public String stubs(String tool) throws SyscallException {
        StubGenerator.StubSet set;
        try {
            set = engine.stubs().set();
        } catch (KernelAway away) {
            throw away.errno();
        }
        if (tool == null) return set.sources().get(StubGenerator.TOOLS);
        StubGenerator.Stub s = set.byTool().get(tool);
        if (s == null) throw new SyscallException(Errno.ENOENT, "no tool '" + tool + "' in the syscall table (tool:list)");
        StringBuilder out = new StringBuilder("// in class Tools (org.agentos.agent.dsl.tools)\n").append(s.methods());
        String options = set.sources().get(StubGenerator.PACKAGE + "." + s.typeName() + "Options");
        if (options != null) out.append('\n').append(options);
        out.append('\n').append(set.sources().get(StubGenerator.PACKAGE + "." + s.typeName() + "Result"));
        return out.toString();
    }

    /** The capabilities process {@code pid} holds (for the dsl.* syscalls: what a workflow gets at most). */
    List<String> capabilitiesOf(long pid) throws SyscallException {
        ProcessManager pm = processes;
        if (pm == null) throw new KernelAway().errno();
        return pm.info(pid).map(i -> i.capabilities()).orElse(List.of());
    }

    /** {@code proc.spawn} made as process {@code pid}, through this bundle's gateway (the kernel's mediation). */
    JsonNode spawnAs(long pid, JsonNode spawnArgs) throws SyscallException {
        SyscallGateway g = gateway;
        if (g == null) throw new KernelAway().errno();
        org.agentos.kernel.api.syscall.SyscallResult r = g.call(pid, "proc.spawn", spawnArgs);
        if (!r.isOk()) throw new SyscallException(r.errno(), r.message());
        return r.value();
    }

    @Override
    public List<JsonNode> list() {
        List<JsonNode> out = new ArrayList<>();
        for (Installed i : installed.values()) {
            ObjectNode n = JSON.createObjectNode().put("program", i.check().program()).put("class", i.check().className())
                    .put("file", i.file());
            n.set("tools", JSON.valueToTree(i.check().tools()));
            out.add(n);
        }
        out.sort((a, b) -> a.path("program").asText().compareTo(b.path("program").asText()));
        return out;
    }
}
