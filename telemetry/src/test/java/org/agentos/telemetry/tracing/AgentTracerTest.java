package org.agentos.telemetry.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The spans an agent leaves, named and attributed after the GenAI semantic conventions. */
class AgentTracerTest {
    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private Kernel kernel;
    private AgentTracer tracer;

    static Tool tool(ToolDescriptor d, java.util.function.Function<JsonNode, JsonNode> body) {
        return new Tool() {
            public ToolDescriptor descriptor() { return d; }
            public JsonNode call(ToolContext ctx, JsonNode args) { return body.apply(args); }
        };
    }

    @BeforeEach
    void start() throws Exception {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        JsonNode anyArgs = Args.of("type", "object", "properties", Args.of("text", Args.of("type", "string"),
                "model", Args.of("type", "string")));
        kernel.addTool(tool(ToolDescriptor.builder("test.echo").capabilities("echo").args(anyArgs).build(), a -> a), "test");
        kernel.addTool(tool(ToolDescriptor.builder("test.chat").resourceClass(ResourceClass.LLM).args(anyArgs).build(),
                a -> Args.of("message", Args.of("role", "assistant", "content", "hi"), "model", "tiny-1",
                        "usage", Args.of("promptTokens", 12, "completionTokens", 3))), "test");
        tracer = new AgentTracer();
        tracer.start(SimpleSpanProcessor.create(exported), "agentos-test", 1.0, 100);
        kernel.telemetry.addObserver(tracer);
    }

    @AfterEach
    void stop() {
        kernel.stop();
        tracer.deactivate();
    }

    private SpanData span(String name) {
        return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + exported.getFinishedSpanItems()));
    }

    @Test
    void anAgentIsASpanAndEachOfItsCallsAChildAfterTheGenAiConventions() throws Exception {
        long pid = kernel.spawn(new SpawnSpec("principal", null, "alice", 0, List.of("echo"), null));
        SyscallGateway gateway = kernel.gateway("test");
        assertTrue(gateway.call(pid, "test.echo", Args.of("text", "secret words")).isOk());
        assertTrue(gateway.call(pid, "test.chat", Args.of("model", "tiny")).isOk());
        kernel.kill(pid);
        kernel.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);

        SpanData agent = span("invoke_agent principal");
        assertEquals("invoke_agent", agent.getAttributes().get(AgentSpans.OPERATION));
        assertEquals(Long.toString(pid), agent.getAttributes().get(AgentSpans.AGENT_ID));
        assertEquals("alice", agent.getAttributes().get(AgentSpans.OWNER));
        assertEquals(StatusCode.ERROR, agent.getStatus().getStatusCode(), "killed");

        SpanData echo = span("execute_tool test.echo");
        assertEquals(agent.getTraceId(), echo.getTraceId());
        assertEquals(agent.getSpanId(), echo.getParentSpanId());
        assertEquals("test.echo", echo.getAttributes().get(AgentSpans.TOOL_NAME));
        assertEquals("execute_tool", echo.getAttributes().get(AgentSpans.OPERATION));
        assertTrue(echo.getEndEpochNanos() >= echo.getStartEpochNanos());
        assertTrue(echo.getStartEpochNanos() >= agent.getStartEpochNanos() - 1_000_000, "within its agent");
        assertTrue(echo.getAttributes().asMap().values().stream().noneMatch(v -> v.toString().contains("secret")),
                "arguments are not recorded");

        SpanData chat = span("chat tiny");
        assertEquals("chat", chat.getAttributes().get(AgentSpans.OPERATION));
        assertEquals("tiny", chat.getAttributes().get(AgentSpans.REQUEST_MODEL));
        assertEquals("tiny-1", chat.getAttributes().get(AgentSpans.RESPONSE_MODEL));
        assertEquals("test.chat", chat.getAttributes().get(AgentSpans.PROVIDER));
        assertEquals(12L, chat.getAttributes().get(AgentSpans.INPUT_TOKENS));
        assertEquals(3L, chat.getAttributes().get(AgentSpans.OUTPUT_TOKENS));
        assertEquals(agent.getSpanId(), chat.getParentSpanId());
    }

    @Test
    void anErrnoIsTheCallsErrorStatus() throws Exception {
        long pid = kernel.spawn(new SpawnSpec("principal", null, "bob", 0, List.of(), null));
        assertTrue(!kernel.gateway("test").call(pid, "test.echo", Args.of("text", "x")).isOk());
        SpanData denied = span("execute_tool test.echo");
        assertEquals(StatusCode.ERROR, denied.getStatus().getStatusCode());
        assertTrue(denied.getStatus().getDescription().startsWith("EPERM: "), denied.getStatus().getDescription());
        assertEquals("EPERM", denied.getAttributes().get(AgentSpans.ERROR_TYPE));
        assertNull(exported.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("invoke_agent")).findFirst()
                .orElse(null), "the agent's span ends with the agent");
    }
}
