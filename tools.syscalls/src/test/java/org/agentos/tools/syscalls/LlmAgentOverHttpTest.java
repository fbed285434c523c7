package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.agentos.agent.runtime.impl.AgentRuntime;
import org.agentos.agent.runtime.impl.LlmAgent;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.memory.heap.HeapMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The llm-agent thinking through llm.chat with an OpenAI-compatible server this test runs:
 * several tool calls in one turn, malformed arguments, a tool it was not offered, a 429 before
 * the answer, a model that never stops.
 */
class LlmAgentOverHttpTest {
    HttpServer server;
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final AtomicBoolean tooManyFirst = new AtomicBoolean();
    Function<JsonNode, String> script;
    Kernel kernel;
    AgentRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            JsonNode req = Json.MAPPER.readTree(ex.getRequestBody());
            requests.add(req);
            int status = tooManyFirst.getAndSet(false) ? 429 : 200;
            byte[] body = (status == 429 ? "{\"error\":{\"message\":\"slow down\"}}" : script.apply(req))
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (status == 429) ex.getResponseHeaders().set("Retry-After", "0");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        LlmChat chat = new LlmChat(new LlmChat.Settings(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"),
                "sk-test", "test-model", 3, 1, 10, 30, false, 1024));
        kernel = new Kernel(new LinuxHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.setMemoryManager(HeapMemory.standalone(), "test");
        kernel.start();
        chat.gateway = kernel.gateway("test");
        kernel.addTool(chat, "test");
        runtime = new AgentRuntime(8, 0, 100_000);
        kernel.addProgram(runtime.program(new LlmAgent()), "test");
    }

    @AfterEach
    void stop() {
        kernel.stop();
        runtime.close();
        server.stop(0);
    }


    /** 1 + the assistant messages in a request. */
    static int turn(JsonNode request) {
        int n = 1;
        for (JsonNode m : request.path("messages")) if ("assistant".equals(m.path("role").asText())) n++;
        return n;
    }

    /** A completion asking for tool calls, each {function name, arguments text}. */
    static String toolCalls(String... namesAndArguments) {
        StringBuilder calls = new StringBuilder();
        for (int i = 0; i < namesAndArguments.length; i += 2) {
            if (calls.length() > 0) calls.append(',');
            calls.append("{\"id\":\"c").append(i).append("\",\"type\":\"function\",\"function\":{\"name\":\"")
                    .append(namesAndArguments[i]).append("\",\"arguments\":")
                    .append(Json.MAPPER.getNodeFactory().textNode(namesAndArguments[i + 1]).toString()).append("}}");
        }
        return "{\"model\":\"test-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[" + calls + "]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
    }

    static String answer(String text) {
        return "{\"model\":\"test-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + Json.MAPPER.getNodeFactory().textNode(text).toString() + "},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
    }

    private ExitStatus run(int maxTurns, String... tools) throws Exception {
        var in = Args.of("goal", "do the thing", "maxTurns", maxTurns);
        var t = in.putArray("tools");
        for (String s : tools) t.add(s);
        long pid = kernel.spawn(SpawnSpec.of("llm-agent", in));
        lastPid = pid;
        return kernel.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    long lastPid;

    @Test
    void toolCallsOfSeveralTurnsWithTheirErrorsGoBackToTheModelAndA429IsRetried() throws Exception {
        tooManyFirst.set(true);
        script = req -> switch (turn(req)) {
            case 1 -> toolCalls("random__int", "{\"bound\":10}", "clock__now", "{nope", "proc__kill", "{\"pid\":1}");
            case 2 -> toolCalls("proc__getpid", "{}");
            default -> answer("finished");
        };
        ExitStatus x = run(8, "random.int", "clock.now", "proc.getpid");
        assertEquals(0, x.code(), x.reason());
        assertEquals("finished", x.reason());
        assertEquals(4, requests.size(), "a 429, then three turns");
        List<String> toolResults = new ArrayList<>();
        for (JsonNode m : requests.get(2).path("messages")) {
            if ("tool".equals(m.path("role").asText())) toolResults.add(m.path("content").asText());
        }
        assertEquals(3, toolResults.size(), requests.get(2).toString());
        assertTrue(toolResults.get(0).startsWith("{\"value\":"), toolResults.get(0));
        assertTrue(toolResults.get(1).startsWith("EINVAL: the arguments are not valid JSON"), toolResults.get(1));
        assertTrue(toolResults.get(2).startsWith("EPERM: proc.kill is not one of the tools offered"), toolResults.get(2));
        JsonNode lastRequest = requests.get(3).path("messages");
        String lastTool = lastRequest.get(lastRequest.size() - 1).path("content").asText();
        assertTrue(lastTool.startsWith("{\"pid\":" + lastPid + ","), "proc.getpid's result went back: " + lastTool);
        assertEquals(3, requests.get(1).path("tools").size(), "three tools advertised with their schemas");
        assertEquals("random__int", requests.get(1).at("/tools/0/function/name").asText());
        assertEquals(30, kernel.info(lastPid).orElseThrow().usage().tokens(), "three answered turns of 10 tokens");
    }

    @Test
    void aModelThatNeverStopsIsStoppedAfterMaxTurns() throws Exception {
        script = req -> toolCalls("clock__now", "{}");
        ExitStatus x = run(3, "clock.now");
        assertEquals(1, x.code());
        assertEquals("EQUOTA: no answer after 3 turns (maxTurns)", x.reason());
        assertEquals(3, requests.size());
    }
}
