package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code llm.sim}: a simulated language-model provider with a fixed latency and a concurrency
 * limit, like a hosted API's rate limit. A call beyond the limit fails with {@code EAGAIN} (the
 * provider's 429), so the kernel's arbitration has to keep the calls in flight within it. For
 * the demo, tests and benchmarks until a real provider ({@code llm.chat}) is installed.
 */
// the descriptors of the tools a chat offers come from the syscall gateway, as llm.chat's do
@org.agentos.kernel.api.security.RequiresPermission(org.agentos.kernel.api.security.KernelPermission.SYSCALL_GATEWAY)
@Component(service = Tool.class, configurationPid = SimulatedLlm.PID)
@Designate(ocd = SimulatedLlm.Config.class)
public class SimulatedLlm implements Tool {
    static final String PID = "org.agentos.llm.sim";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Agent OS simulated LLM provider")
    public @interface Config {
        @AttributeDefinition(description = "Latency of every call in milliseconds")
        long latencyMillis() default 50;

        @AttributeDefinition(description = "Calls the provider accepts at once; more fail with EAGAIN (HTTP 429)")
        int concurrency() default 4;
    }

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("llm.sim").version("1.0.0")
            .description("a simulated language-model call: fixed latency, bounded concurrency. {prompt}: returns the "
                    + "prompt's length in tokens; {messages, tools}: answers as llm.chat does, asking for each offered tool "
                    + "once, then answering with what they returned")
            .args(schema("""
                    {"type":"object","properties":{
                      "prompt":{"type":"string","maxLength":100000},
                      "messages":{"type":"array","minItems":1,"maxItems":256,"items":{"type":"object"}},
                      "tools":{"type":"array","maxItems":64,"items":{"type":"string","minLength":1,"maxLength":128}},
                      "model":{"type":"string","maxLength":256},
                      "temperature":{"type":"number","minimum":0,"maximum":2},
                      "maxTokens":{"type":"integer","minimum":1}},
                     "additionalProperties":false}"""))
            .resourceClass(ResourceClass.LLM).determinism(Determinism.RECORDED).timeout(Duration.ofSeconds(60)).build();

    /** For the descriptors of offered tools (permission syscall.gateway); without it a chat offering tools is ENOENT. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyscallGateway gateway;

    private volatile long latencyNanos;
    private volatile int concurrency;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    /** For DS. */
    public SimulatedLlm() {
        this(50, 4);
    }

    public SimulatedLlm(long latencyMillis, int concurrency) {
        set(latencyMillis, concurrency);
    }

    @Activate
    @Modified
    void configure(Config c) {
        set(c.latencyMillis(), c.concurrency());
    }

    private void set(long latencyMillis, int concurrency) {
        if (latencyMillis < 0 || concurrency < 1) {
            throw new IllegalArgumentException("latencyMillis must be >= 0 and concurrency >= 1");
        }
        this.latencyNanos = TimeUnit.MILLISECONDS.toNanos(latencyMillis);
        this.concurrency = concurrency;
    }

    private static JsonNode schema(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        int now = inFlight.incrementAndGet();
        try {
            if (now > concurrency) {
                throw new SyscallException(Errno.EAGAIN, "llm.sim: " + now + " calls at once, the provider allows "
                        + concurrency + " (HTTP 429)");
            }
            peak.accumulateAndGet(now, Math::max);
            // The provider's latency, spent on the kernel's I/O thread as a blocking HTTP call would.
            long end = System.nanoTime() + latencyNanos;
            for (long left = latencyNanos; left > 0; left = end - System.nanoTime()) LockSupport.parkNanos(left);
            if (args.has("messages")) {
                ObjectNode reply = SimulatedChat.reply(args, this::describe);
                ctx.chargeTokens(reply.path("usage").path("totalTokens").asLong());
                return reply;
            }
            long tokens = 1 + args.path("prompt").asText("").length() / 4;
            ctx.chargeTokens(tokens);
            return JSON.createObjectNode().put("text", "ok").put("tokens", tokens);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** The descriptors of the tools a chat request offers; the syscall gateway has them. */
    private Optional<ToolDescriptor> describe(String syscall) {
        SyscallGateway g = gateway;
        if (g == null) return Optional.empty();
        return g.describe(syscall);
    }

    /** The most calls it has had in flight at once. */
    public int peakConcurrency() {
        return peak.get();
    }
}
