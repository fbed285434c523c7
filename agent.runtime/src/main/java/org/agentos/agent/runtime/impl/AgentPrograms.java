package org.agentos.agent.runtime.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.program.Program;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The agent runtime: every {@link Agent} service becomes a kernel {@link Program}, registered in
 * the agent's own bundle (so the kernel and {@code agent:programs} name that bundle, and the
 * program goes when the bundle stops). Holds the live runs; hears the kernel's process-exit
 * events to free a finished agent's thread at once.
 */
@Component(service = EventHandler.class, immediate = true, configurationPid = "org.agentos.agent.runtime",
        property = "event.topics=org/agentos/process/EXITED")
@Designate(ocd = AgentRuntimeConfig.class)
public class AgentPrograms implements EventHandler {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AgentPrograms.class);

    private final AgentRuntime runtime = new AgentRuntime(256, 30_000, 100_000);
    private final Map<ServiceReference<?>, ServiceRegistration<?>> programs = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    @Activate
    void activate(AgentRuntimeConfig config, BundleContext context) {
        modified(config);
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-runtime-idle");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(runtime::evictIdle, 1, 1, TimeUnit.SECONDS);
    }

    @Modified
    void modified(AgentRuntimeConfig config) {
        runtime.configure(config.maxLiveAgents(), config.idleMillis(), config.maxHistory());
    }

    @Deactivate
    void deactivate() {
        if (sweeper != null) sweeper.shutdownNow();
        for (ServiceReference<?> ref : programs.keySet()) removeAgent(null, ref);
        runtime.close();
    }

    @Reference(service = Agent.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addAgent(Agent<?> agent, ServiceReference<?> ref) {
        BundleContext owner = ref.getBundle() == null ? null : ref.getBundle().getBundleContext();
        if (owner == null) return; // its bundle is stopping
        try {
            programs.put(ref, owner.registerService(Program.class, runtime.program(agent), null));
        } catch (IllegalStateException | SecurityException e) {
            LOG.warn("agent {} of bundle {} could not become a program: {}", agent.name(),
                    ref.getBundle().getSymbolicName(), e.toString());
        }
    }

    void removeAgent(Agent<?> agent, ServiceReference<?> ref) {
        ServiceRegistration<?> reg = programs.remove(ref);
        if (reg == null) return;
        try {
            reg.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the agent's bundle stopped, which unregistered it
        }
    }

    @Override
    public void handleEvent(Event event) {
        if (event.getProperty("pid") instanceof Long pid) runtime.processEnded(pid);
    }

    @Override
    public String toString() {
        return "agent runtime: " + runtime;
    }
}
