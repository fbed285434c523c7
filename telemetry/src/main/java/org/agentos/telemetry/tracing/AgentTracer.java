package org.agentos.telemetry.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.telemetry.SyscallEvent;
import org.agentos.kernel.api.telemetry.SyscallObserver;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces of agents exported over OTLP (HTTP, protobuf) with OpenTelemetry's SDK. Off by
 * default ({@code enabled = false} in etc/org.agentos.telemetry.tracing.cfg): the observer is
 * registered only while tracing is on, so that the kernel, with no observer to tell, spends one
 * volatile read per call on it. Spans are batched and exported on the SDK's own thread; a full
 * queue drops spans, never holds an agent up.
 */
@RequiresPermission(KernelPermission.KERNEL_ADMIN)
@Component(service = {}, immediate = true, configurationPid = AgentTracer.PID)
@Designate(ocd = AgentTracer.Config.class)
public class AgentTracer implements SyscallObserver {
    static final String PID = "org.agentos.telemetry.tracing";
    private static final Logger LOG = LoggerFactory.getLogger(AgentTracer.class);

    @ObjectClassDefinition(name = "Agent OS tracing", description = "OpenTelemetry traces of agents and their syscalls, over OTLP")
    public @interface Config {
        @AttributeDefinition(description = "Whether agents are traced")
        boolean enabled() default false;

        @AttributeDefinition(description = "The OTLP/HTTP traces endpoint of a collector (Jaeger, Tempo, the OpenTelemetry Collector)")
        String endpoint() default "http://localhost:4318/v1/traces";

        @AttributeDefinition(description = "The share of agents traced, 0..1 (each agent's calls follow its own decision)")
        double sampleRatio() default 1.0;

        @AttributeDefinition(description = "service.name of the spans")
        String serviceName() default "agentos";

        @AttributeDefinition(description = "Agents with an open span at most; the calls of agents past it are traced without their agent's span")
        int maxOpenAgents() default 10_000;

        @AttributeDefinition(description = "How long one export may take, in seconds")
        int exportTimeoutSeconds() default 10;
    }

    private SdkTracerProvider provider;
    private AgentSpans spans;
    private ServiceRegistration<SyscallObserver> registration;

    @Activate
    @Modified
    synchronized void activate(Config config, BundleContext context) {
        if (registration != null) {
            registration.unregister();
            registration = null;
            deactivate();
        }
        if (!config.enabled()) {
            LOG.info("tracing is off (enabled = false in etc/{}.cfg)", PID);
            return;
        }
        if (!(config.sampleRatio() >= 0 && config.sampleRatio() <= 1)) {
            LOG.error("tracing stays off: sampleRatio is 0..1, not {} (etc/{}.cfg)", config.sampleRatio(), PID);
            return;
        }
        OtlpHttpSpanExporter exporter;
        try {
            exporter = OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint())
                    .setTimeout(Duration.ofSeconds(Math.max(1, config.exportTimeoutSeconds())))
                    .setComponentLoader(jdkSender()).build();
        } catch (IllegalArgumentException bad) {
            LOG.error("tracing stays off: {} (endpoint {} in etc/{}.cfg)", bad.getMessage(), config.endpoint(), PID);
            return;
        }
        start(BatchSpanProcessor.builder(exporter).build(), config.serviceName(), config.sampleRatio(), config.maxOpenAgents());
        registration = context.registerService(SyscallObserver.class, this, null);
        LOG.info("tracing agents to {} (sampled {})", config.endpoint(), config.sampleRatio());
    }

    /** For tests: spans to {@code processor}. */
    void start(SpanProcessor processor, String serviceName, double ratio, int maxOpenAgents) {
        provider = SdkTracerProvider.builder().addSpanProcessor(processor)
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(ratio))).build();
        spans = new AgentSpans(provider.get("org.agentos.telemetry"), maxOpenAgents);
    }

    /** Ends what is open and flushes the spans to the collector. */
    @Deactivate
    synchronized void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
        if (provider == null) return;
        spans.endAll(System.currentTimeMillis());
        provider.shutdown().join(10, TimeUnit.SECONDS);
        provider = null;
    }

    /**
     * The OTLP exporter finds its HTTP sender with ServiceLoader, which sees no other bundle's
     * services under OSGi: it is handed the JDK one (java.net.http, no OkHttp) directly.
     */
    private static ComponentLoader jdkSender() {
        ComponentLoader own = ComponentLoader.forClassLoader(AgentTracer.class.getClassLoader());
        return new ComponentLoader() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> Iterable<T> load(Class<T> spi) {
                if (spi == HttpSenderProvider.class) return (Iterable<T>) List.of(new JdkHttpSenderProvider());
                return own.load(spi);
            }
        };
    }

    @Override
    public void syscallEnded(SyscallEvent event) {
        spans.syscallEnded(event);
    }

    @Override
    public void processEnded(long pid, String owner, String program, long startMillis, long endMillis, ExitStatus status) {
        spans.processEnded(pid, owner, program, startMillis, endMillis, status);
    }
}
