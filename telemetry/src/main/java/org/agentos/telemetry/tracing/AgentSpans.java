package org.agentos.telemetry.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.telemetry.SyscallEvent;
import org.agentos.kernel.api.telemetry.SyscallObserver;

/**
 * Agents and their calls as spans, named and attributed after OpenTelemetry's GenAI semantic
 * conventions: a process is {@code invoke_agent <program>} (from its start to its end), each
 * syscall a child {@code execute_tool <syscall>}, a model call ({@code LLM} resource class)
 * {@code chat <model>} with the tokens it used. An errno is the span's error status. Arguments
 * and results are not recorded: they are tenants' data, and a trace backend is not under the
 * kernel's access control.
 */
final class AgentSpans implements SyscallObserver {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> AGENT_ID = AttributeKey.stringKey("gen_ai.agent.id");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> OWNER = AttributeKey.stringKey("agentos.owner");
    static final AttributeKey<Long> PID = AttributeKey.longKey("agentos.pid");
    static final AttributeKey<String> VIA = AttributeKey.stringKey("agentos.via");

    private final Tracer tracer;
    private final int maxOpenAgents;
    /** The span of each live process that has made a call. */
    private final ConcurrentHashMap<Long, Span> agents = new ConcurrentHashMap<>();

    AgentSpans(Tracer tracer, int maxOpenAgents) {
        this.tracer = tracer;
        this.maxOpenAgents = maxOpenAgents;
    }

    /** Processes whose span is open now. */
    int open() {
        return agents.size();
    }

    @Override
    public void syscallEnded(SyscallEvent e) {
        Span agent = agent(e.pid(), e.owner(), e.program(), e.processStartMillis());
        boolean chat = "LLM".equals(e.resourceClass());
        JsonNode args = e.args();
        SyscallResult r = e.result();
        String model = chat ? text(args, "model") : null;
        String answeredModel = chat && r.isOk() ? text(r.value(), "model") : null;
        String shownModel = model != null ? model : answeredModel;
        var span = tracer.spanBuilder(chat ? "chat" + (shownModel == null ? "" : " " + shownModel) : "execute_tool " + e.name())
                .setSpanKind(chat ? SpanKind.CLIENT : SpanKind.INTERNAL)
                .setStartTimestamp(e.startEpochNanos(), TimeUnit.NANOSECONDS)
                .setAttribute(OPERATION, chat ? "chat" : "execute_tool")
                .setAttribute(PID, e.pid())
                .setAttribute(OWNER, e.owner());
        if (agent != null) span.setParent(Context.root().with(agent));
        if (chat) {
            span.setAttribute(PROVIDER, provider(e.name()));
            if (model != null) span.setAttribute(REQUEST_MODEL, model);
        } else {
            span.setAttribute(TOOL_NAME, e.name()).setAttribute(TOOL_TYPE, "function");
        }
        if (e.via() != null) span.setAttribute(VIA, e.via());
        Span s = span.startSpan();
        if (r.isOk()) {
            if (chat) {
                if (answeredModel != null) s.setAttribute(RESPONSE_MODEL, answeredModel);
                JsonNode usage = r.value() == null ? null : r.value().get("usage");
                if (usage != null && usage.has("promptTokens")) s.setAttribute(INPUT_TOKENS, usage.get("promptTokens").asLong());
                if (usage != null && usage.has("completionTokens")) {
                    s.setAttribute(OUTPUT_TOKENS, usage.get("completionTokens").asLong());
                }
            }
        } else {
            s.setAttribute(ERROR_TYPE, r.errno().name());
            s.setStatus(StatusCode.ERROR, r.errno().name() + ": " + r.message());
        }
        s.end(e.startEpochNanos() + e.durationNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void processEnded(long pid, String owner, String program, long startMillis, long endMillis, ExitStatus status) {
        Span agent = agents.remove(pid);
        if (agent == null) agent = start(pid, owner, program, startMillis); // it made no call: one span, start to end
        if (status.code() != 0) {
            String errno = errnoOf(status.reason());
            agent.setAttribute(ERROR_TYPE, errno != null ? errno : status.state().name());
            agent.setStatus(StatusCode.ERROR, "exit " + status.code() + (status.reason() == null ? "" : ": " + status.reason()));
        }
        agent.end(endMillis, TimeUnit.MILLISECONDS);
    }

    /** The span of process {@code pid}, opened at its first call; null past {@link #maxOpenAgents} (its calls are roots). */
    private Span agent(long pid, String owner, String program, long startMillis) {
        Span s = agents.get(pid);
        if (s != null || agents.size() >= maxOpenAgents) return s;
        return agents.computeIfAbsent(pid, p -> start(pid, owner, program, startMillis));
    }

    private Span start(long pid, String owner, String program, long startMillis) {
        return tracer.spanBuilder("invoke_agent " + program).setNoParent().setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(startMillis, TimeUnit.MILLISECONDS)
                .setAttribute(OPERATION, "invoke_agent").setAttribute(AGENT_NAME, program)
                .setAttribute(AGENT_ID, Long.toString(pid)).setAttribute(PID, pid).setAttribute(OWNER, owner)
                .startSpan();
    }

    /** Ends the spans still open (the tracer is going): they show as far as they got. */
    void endAll(long nowMillis) {
        for (Long pid : agents.keySet()) {
            Span s = agents.remove(pid);
            if (s != null) s.end(nowMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * {@code gen_ai.provider.name}: {@code llm.chat} speaks OpenAI's chat completions API (to
     * whichever server is configured); another model tool is named by its syscall.
     */
    static String provider(String syscall) {
        return "llm.chat".equals(syscall) ? "openai" : syscall;
    }

    private static String text(JsonNode node, String field) {
        return node != null && node.hasNonNull(field) && node.get(field).isTextual() ? node.get(field).asText() : null;
    }

    /** The errno an exit reason starts with ("EQUOTA: ..."), or null. */
    private static String errnoOf(String reason) {
        if (reason == null) return null;
        int colon = reason.indexOf(':');
        if (colon < 2) return null;
        String head = reason.substring(0, colon);
        return head.matches("E[A-Z]+") ? head : null;
    }
}
