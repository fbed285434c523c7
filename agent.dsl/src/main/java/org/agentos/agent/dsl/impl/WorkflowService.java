package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@link Workflows} service: the engine on the live syscall table (read through this
 * bundle's syscall gateway), and each installed workflow registered as an {@link Agent} service,
 * which the agent runtime makes a program of this bundle.
 */
@Component(service = Workflows.class, immediate = true)
@RequiresPermission({KernelPermission.SYSCALL_GATEWAY, KernelPermission.KERNEL_ADMIN})
public class WorkflowService implements Workflows {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    SyscallGateway gateway;

    private BundleContext context;
    private WorkflowEngine engine;
    private final Map<String, Installed> installed = new ConcurrentHashMap<>();

    private record Installed(WorkflowCheck check, String file, ServiceRegistration<?> registration) {}

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        engine = new WorkflowEngine(ClassPath.of(context.getBundle()), gateway::tools, WorkflowService.class.getClassLoader());
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

    @Override
    public WorkflowCheck check(String file, String source, List<String> capabilities) {
        try {
            return engine.check(file, source, capabilities).check();
        } catch (SyscallException e) { // a malformed capability pattern
            return new WorkflowCheck(null, null, Map.of(), List.of(), List.of(),
                    List.of(new Problem(file, 0, 0, "capability", e.getMessage())));
        }
    }

    @Override
    public WorkflowCheck install(String file, String source, List<String> capabilities) throws SyscallException {
        WorkflowEngine.Entry e = engine.check(file, source, capabilities);
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
                    installed.put(c.program(), new Installed(c, file, context.registerService(Agent.class, agent, null)));
                } catch (ReflectiveOperationException | LinkageError x) {
                    throw new SyscallException(Errno.EINVAL, "the workflow compiled but cannot be loaded: " + x);
                }
            }
        }
        return c;
    }

    @Override
    public String stubs(String tool) throws SyscallException {
        StubGenerator.StubSet set = engine.stubs().set();
        if (tool == null) return set.sources().get(StubGenerator.TOOLS);
        StubGenerator.Stub s = set.byTool().get(tool);
        if (s == null) throw new SyscallException(Errno.ENOENT, "no tool '" + tool + "' in the syscall table (tool:list)");
        StringBuilder out = new StringBuilder("// in class Tools (org.agentos.agent.dsl.tools)\n").append(s.methods());
        String options = set.sources().get(StubGenerator.PACKAGE + "." + s.typeName() + "Options");
        if (options != null) out.append('\n').append(options);
        out.append('\n').append(set.sources().get(StubGenerator.PACKAGE + "." + s.typeName() + "Result"));
        return out.toString();
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
