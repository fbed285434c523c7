package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** llm.chat through the kernel against a small OpenAI-compatible server. */
class LlmChatTest {
    static final String SSE = "text/event-stream";
    static final String JSON = "application/json";

    /** One canned answer of the provider. */
    record Reply(int status, String contentType, String body, Map<String, String> headers) {
        Reply(int status, String contentType, String body) {
            this(status, contentType, body, Map.of());
        }
    }

    HttpServer server;
    /** Answers in order; the last one repeats. */
    final ConcurrentLinkedDeque<Reply> replies = new ConcurrentLinkedDeque<>();
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    String baseUrl;
    KernelHarness k;
    LlmChat tool;

    @BeforeEach
    void setUp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            requests.add(Json.MAPPER.readTree(ex.getRequestBody()));
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            Reply r = replies.size() > 1 ? replies.poll() : replies.peek();
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            r.headers().forEach((n, v) -> ex.getResponseHeaders().set(n, v));
            ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @AfterEach
    void tearDown() {
        if (k != null) k.close();
        server.stop(0);
    }

    static LlmChat.Settings settings(String baseUrl, int maxRetries) {
        return new LlmChat.Settings(URI.create(baseUrl), "sk-test", "test-model", maxRetries, 1, 10, 30, false, 1024);
    }

    long process(LlmChat.Settings s, Quotas quotas) throws Exception {
        tool = new LlmChat(s);
        k = new KernelHarness(tool);
        return k.spawn("alice", quotas);
    }

    long process() throws Exception {
        return process(settings(baseUrl, 3), Quotas.NONE);
    }

    static JsonNode json(String text) throws IOException {
        return Json.MAPPER.readTree(text);
    }

    static ArrayNode ask(String question) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "system").put("content", "Be brief.");
        messages.addObject().put("role", "user").put("content", question);
        return messages;
    }

    SyscallResult chat(long pid, Object... more) {
        Object[] args = new Object[more.length + 2];
        args[0] = "messages";
        args[1] = ask("Say hello");
        System.arraycopy(more, 0, args, 2, more.length);
        return k.call(pid, "llm.chat", Args.of(args));
    }

    static String completion(String content, String usage) {
        return "{\"model\":\"test-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + Json.MAPPER.valueToTree(content) + "},\"finish_reason\":\"stop\"}]" + (usage == null ? "" : ",\"usage\":" + usage) + "}";
    }

    static String events(String... chunks) {
        StringBuilder b = new StringBuilder();
        for (String c : chunks) b.append("data: ").append(c).append("\n\n");
        return b.append("data: [DONE]\n\n").toString();
    }

    /** A gateway that knows {@code fs.read}. */
    static final class Gateway implements SyscallGateway {
        final ToolDescriptor fsRead = ToolDescriptor.builder("fs.read").description("reads a file")
                .args(Json.schema("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}"))
                .build();

        @Override
        public List<ToolDescriptor> tools() {
            return List.of(fsRead);
        }

        @Override
        public Optional<ToolDescriptor> describe(String name) {
            return name.equals("fs.read") ? Optional.of(fsRead) : Optional.empty();
        }

        @Override
        public Optional<String> provider(String name) {
            return describe(name).map(d -> "test");
        }

        @Override
        public SyscallResult call(long pid, String name, JsonNode args) {
            throw new AssertionError("llm.chat must never make the model's tool calls itself");
        }

        @Override
        public String bundle() {
            return "org.agentos.tools.syscalls";
        }
    }

    @Test
    void plainCompletionReturnsTheMessageAndChargesItsTokens() throws Exception {
        replies.add(new Reply(200, JSON, completion("Hello!", "{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}")));
        long pid = process();
        SyscallResult r = chat(pid);
        assertTrue(r.isOk(), r.toString());
        JsonNode v = r.value();
        assertEquals(json("{\"role\":\"assistant\",\"content\":\"Hello!\"}"), v.get("message"));
        assertEquals("stop", v.get("finishReason").asText());
        assertEquals("{\"promptTokens\":7,\"completionTokens\":3,\"totalTokens\":10,\"estimated\":false}", v.get("usage").toString());
        assertEquals("test-model", v.get("model").asText());
        assertEquals(1, v.get("attempts").asInt());
        assertEquals(0, v.get("toolCalls").size());
        assertEquals(10, k.info(pid).usage().tokens());
        JsonNode sent = requests.get(0);
        assertEquals("test-model", sent.get("model").asText());
        assertEquals(ask("Say hello"), sent.get("messages"));
        assertEquals(1024, sent.get("max_tokens").asInt());
        assertFalse(sent.get("stream").asBoolean());
        assertEquals("Bearer sk-test", authorizations.get(0));
    }

    @Test
    void streamedAnswerIsAccumulatedWithTheFinalUsage() throws Exception {
        replies.add(new Reply(200, SSE, events(
                "{\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}")));
        long pid = process();
        SyscallResult r = chat(pid, "stream", true, "maxTokens", 50, "temperature", 0.5, "model", "m1");
        assertTrue(r.isOk(), r.toString());
        assertEquals("Hello", r.value().get("message").get("content").asText());
        assertEquals("stop", r.value().get("finishReason").asText());
        assertEquals(7, r.value().get("usage").get("totalTokens").asInt());
        assertEquals("m1", r.value().get("model").asText());
        assertEquals(7, k.info(pid).usage().tokens());
        JsonNode sent = requests.get(0);
        assertTrue(sent.get("stream").asBoolean());
        assertTrue(sent.get("stream_options").get("include_usage").asBoolean());
        assertEquals(50, sent.get("max_tokens").asInt());
        assertEquals(0.5, sent.get("temperature").asDouble());
        assertEquals("m1", sent.get("model").asText());
    }

    @Test
    void toolCallsMapSyscallsToFunctionsAndBack() throws Exception {
        replies.add(new Reply(200, SSE, events(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
                        + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"fs__read\",\"arguments\":\"\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"/tmp/x\\\"}\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}")));
        long pid = process();
        tool.gateway = new Gateway();
        SyscallResult r = chat(pid, "stream", true, "tools", Json.MAPPER.valueToTree(List.of("fs.read")));
        assertTrue(r.isOk(), r.toString());
        JsonNode function = requests.get(0).get("tools").get(0);
        assertEquals("function", function.get("type").asText());
        assertEquals("fs__read", function.get("function").get("name").asText());
        assertEquals("reads a file", function.get("function").get("description").asText());
        assertEquals(new Gateway().fsRead.argsSchema(), function.get("function").get("parameters"));
        assertEquals(json("[{\"id\":\"call_1\",\"syscall\":\"fs.read\",\"args\":{\"path\":\"/tmp/x\"}}]"), r.value().get("toolCalls"));
        assertEquals("tool_calls", r.value().get("finishReason").asText());
        JsonNode message = r.value().get("message");
        assertTrue(message.get("content").isNull());
        assertEquals("fs__read", message.get("tool_calls").get(0).get("function").get("name").asText());
    }

    @Test
    void toolCallsInTheConversationAreSentInOpenAiForm() throws Exception {
        replies.add(new Reply(200, JSON, completion("done", null)));
        long pid = process();
        ArrayNode messages = ask("read /tmp/x");
        messages.addObject().put("role", "assistant").putNull("content").putArray("tool_calls").addObject()
                .put("id", "call_1").put("syscall", "fs.read").set("args", Args.of("path", "/tmp/x"));
        messages.addObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "hello");
        assertTrue(k.call(pid, "llm.chat", Args.of("messages", messages)).isOk());
        assertEquals(json("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"fs__read\","
                + "\"arguments\":\"{\\\"path\\\":\\\"/tmp/x\\\"}\"}}]"), requests.get(0).get("messages").get(2).get("tool_calls"));
    }

    @Test
    void unparseableToolArgumentsAreKeptAsText() throws Exception {
        replies.add(new Reply(200, JSON, "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                + "[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"fs__read\",\"arguments\":\"{path: oops\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"total_tokens\":3}}"));
        long pid = process();
        tool.gateway = new Gateway();
        JsonNode call = chat(pid, "tools", Json.MAPPER.valueToTree(List.of("fs.read"))).value().get("toolCalls").get(0);
        assertEquals("fs.read", call.get("syscall").asText());
        assertEquals("{path: oops", call.get("argsText").asText());
        assertTrue(call.get("argsError").asText().startsWith("the arguments are not valid JSON"), call.toString());
        assertFalse(call.has("args"));
    }

    @Test
    void unknownSyscallInToolsIsEnoent() throws Exception {
        long pid = process();
        tool.gateway = new Gateway();
        SyscallResult r = chat(pid, "tools", Json.MAPPER.valueToTree(List.of("no.such")));
        assertEquals(Errno.ENOENT, r.errno());
        assertEquals("no syscall no.such", r.message());
        assertTrue(requests.isEmpty());
    }

    @Test
    void toolCallingWithoutTheGatewayIsEnosys() throws Exception {
        long pid = process();
        SyscallResult r = chat(pid, "tools", Json.MAPPER.valueToTree(List.of("fs.read")));
        assertEquals(Errno.ENOSYS, r.errno());
        assertTrue(r.message().contains("permission syscall.gateway"), r.message());
    }

    @Test
    void rateLimitedTwiceThenAnsweredTakesThreeAttempts() throws Exception {
        replies.add(new Reply(429, JSON, "{\"error\":{\"message\":\"slow down\"}}", Map.of("Retry-After", "0")));
        replies.add(new Reply(429, JSON, "{\"error\":{\"message\":\"slow down\"}}"));
        replies.add(new Reply(200, JSON, completion("ok", "{\"total_tokens\":4}")));
        long pid = process();
        SyscallResult r = chat(pid);
        assertTrue(r.isOk(), r.toString());
        assertEquals(3, r.value().get("attempts").asInt());
        assertEquals(3, requests.size());
    }

    @Test
    void persistentRateLimitIsEagain() throws Exception {
        replies.add(new Reply(429, JSON, "{\"error\":{\"message\":\"slow down\"}}"));
        long pid = process(settings(baseUrl, 1), Quotas.NONE);
        SyscallResult r = chat(pid);
        assertEquals(Errno.EAGAIN, r.errno());
        assertTrue(r.message().startsWith("provider rate-limited the request (HTTP 429: slow down)"), r.message());
        assertEquals(2, requests.size());
    }

    @Test
    void persistentServerErrorIsEioAfterMaxRetries() throws Exception {
        replies.add(new Reply(500, JSON, "{\"error\":{\"message\":\"model crashed\"}}"));
        long pid = process(settings(baseUrl, 2), Quotas.NONE);
        SyscallResult r = chat(pid);
        assertEquals(Errno.EIO, r.errno());
        assertTrue(r.message().contains("HTTP 500: model crashed") && r.message().contains("3 attempts"), r.message());
        assertEquals(3, requests.size());
    }

    @Test
    void rejectedApiKeyIsEpermWithoutRetry() throws Exception {
        replies.add(new Reply(401, JSON, "{\"error\":{\"message\":\"Incorrect API key provided\"}}"));
        long pid = process();
        SyscallResult r = chat(pid);
        assertEquals(Errno.EPERM, r.errno());
        assertTrue(r.message().startsWith("the provider rejected the API key"), r.message());
        assertFalse(r.message().contains("sk-test"), "the key is never shown");
        assertEquals(1, requests.size());
    }

    @Test
    void unknownModelIsEnoentAndOtherClientErrorsAreEinval() throws Exception {
        replies.add(new Reply(404, JSON, "{\"error\":{\"message\":\"model 'x' not found\"}}"));
        replies.add(new Reply(400, JSON, "{\"error\":{\"message\":\"temperature too high\"}}"));
        long pid = process();
        SyscallResult notFound = chat(pid, "model", "x");
        assertEquals(Errno.ENOENT, notFound.errno());
        assertTrue(notFound.message().contains("no model 'x'"), notFound.message());
        SyscallResult bad = chat(pid);
        assertEquals(Errno.EINVAL, bad.errno());
        assertTrue(bad.message().contains("temperature too high"), bad.message());
    }

    @Test
    void closedPortIsEioWithAHelpfulMessage() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String closed = "http://127.0.0.1:" + port + "/v1";
        long pid = process(settings(closed, 1), Quotas.NONE);
        SyscallResult r = chat(pid);
        assertEquals(Errno.EIO, r.errno());
        assertTrue(r.message().startsWith("cannot reach the LLM provider at " + closed + ": connection refused (is the "
                + "server running? set baseUrl in etc/org.agentos.tools.llm.cfg)"), r.message());
    }

    @Test
    void goingOverTheTokenQuotaIsEquota() throws Exception {
        replies.add(new Reply(200, JSON, completion("a long answer", "{\"prompt_tokens\":40,\"completion_tokens\":60,\"total_tokens\":100}")));
        long pid = process(settings(baseUrl, 0), Quotas.NONE.withTokens(50));
        SyscallResult r = chat(pid);
        assertEquals(Errno.EQUOTA, r.errno(), r.toString());
        assertEquals(ProcessState.KILLED, k.info(pid).state());
    }

    @Test
    void missingUsageIsEstimatedAndCharged() throws Exception {
        replies.add(new Reply(200, JSON, completion("abcdefgh", null)));
        long pid = process();
        JsonNode usage = chat(pid).value().get("usage");
        assertTrue(usage.get("estimated").asBoolean());
        assertEquals(2, usage.get("completionTokens").asInt());
        assertEquals(("Be brief.".length() + "Say hello".length()) / 4, usage.get("promptTokens").asInt());
        assertEquals(usage.get("totalTokens").asLong(), k.info(pid).usage().tokens());
    }

    @Test
    void schemaRefusesAnEmptyConversation() throws Exception {
        long pid = process();
        SyscallResult r = k.call(pid, "llm.chat", Args.of("messages", Json.MAPPER.createArrayNode()));
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("at least 1 items"), r.message());
    }

    @Test
    void settingsNeverShowTheApiKey() {
        assertFalse(settings(baseUrl, 1).toString().contains("sk-test"));
    }
}
