package org.agentos.tools.syscalls;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
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
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code llm.chat}: a chat completion from an OpenAI-compatible provider (Ollama, vLLM, llama.cpp
 * server, hosted APIs), streamed or not, with retries and token accounting. Tool calling maps
 * syscalls to functions: the descriptors of the syscalls named in {@code tools} come from the
 * {@link SyscallGateway}, and the model's tool calls come back as syscall names with parsed
 * arguments. llm.chat never makes those calls: the agent does, with its own capabilities.
 *
 * <p>The bundle asks for {@code tool.provide} (the kernel takes its tools only with it) and
 * {@code syscall.gateway} (for the descriptors of the syscalls a model may call).
 */
@Component(service = Tool.class, configurationPid = LlmChat.PID)
@Designate(ocd = LlmChat.Config.class)
@RequiresPermission({KernelPermission.TOOL_PROVIDE, KernelPermission.SYSCALL_GATEWAY})
public class LlmChat implements Tool {
    private static final Logger LOG = LoggerFactory.getLogger(LlmChat.class);
    static final String PID = "org.agentos.tools.llm";
    /** The highest callTimeoutSeconds a configuration may set; the descriptor's timeout stays above it. */
    static final long CALL_TIMEOUT_CEILING_SECONDS = 600;
    static final long RETRY_AFTER_CAP_MILLIS = 30_000;
    private static final int MAX_RESPONSE_BYTES = 16 << 20;
    private static final int MAX_ERROR_BYTES = 64 << 10;

    @ObjectClassDefinition(name = "Agent OS llm.chat", description = "The OpenAI-compatible provider behind llm.chat")
    public @interface Config {
        @AttributeDefinition(description = "Base URL of the OpenAI-compatible API; requests go to {baseUrl}/chat/completions")
        String baseUrl() default "http://127.0.0.1:11434/v1";

        /**
         * Property {@code .apiKey}: the leading dot keeps it out of the service's properties, where
         * every bundle (and the console's service:list) could read it.
         */
        @AttributeDefinition(type = AttributeType.PASSWORD, required = false, name = "API key",
                description = "API key, sent as 'Authorization: Bearer <key>' when not empty")
        String _apiKey() default "";

        @AttributeDefinition(description = "Model of a call that names none")
        String model() default "llama3.2";

        @AttributeDefinition(description = "Retries after HTTP 429, HTTP 5xx or a failed connection")
        int maxRetries() default 3;

        @AttributeDefinition(description = "First back-off in milliseconds, doubled on each retry (Retry-After wins, up to 30 s)")
        long backoffMillis() default 500;

        @AttributeDefinition(description = "Time limit of one request until the provider starts answering, in seconds")
        int requestTimeoutSeconds() default 120;

        @AttributeDefinition(description = "Time limit of a whole call, retries included, in seconds (at most 600)")
        int callTimeoutSeconds() default 180;

        @AttributeDefinition(description = "Stream the answer (server-sent events) unless the call says otherwise")
        boolean stream() default true;

        @AttributeDefinition(description = "Most tokens an answer may have; a call may ask for fewer")
        int maxTokens() default 1024;
    }

    /** The configuration in force. Its toString never shows the API key. */
    record Settings(URI baseUrl, String apiKey, String model, int maxRetries, long backoffMillis,
                    long requestTimeoutSeconds, long callTimeoutSeconds, boolean stream, int maxTokens) {
        Settings {
            if (baseUrl == null || baseUrl.getHost() == null
                    || !("http".equalsIgnoreCase(baseUrl.getScheme()) || "https".equalsIgnoreCase(baseUrl.getScheme()))) {
                throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL: " + baseUrl);
            }
            if (maxRetries < 0 || backoffMillis < 0) throw new IllegalArgumentException("maxRetries and backoffMillis must be >= 0");
            if (requestTimeoutSeconds <= 0 || callTimeoutSeconds <= 0 || maxTokens <= 0) {
                throw new IllegalArgumentException("timeouts and maxTokens must be > 0");
            }
            apiKey = apiKey == null ? "" : apiKey.trim();
            callTimeoutSeconds = Math.min(callTimeoutSeconds, CALL_TIMEOUT_CEILING_SECONDS);
        }

        static Settings defaults(String baseUrl) {
            return new Settings(URI.create(baseUrl), "", "llama3.2", 3, 500, 120, 180, true, 1024);
        }

        static Settings of(Config c) {
            String base = c.baseUrl() == null ? "" : c.baseUrl().trim();
            return new Settings(URI.create(base), c._apiKey(), c.model(), c.maxRetries(), c.backoffMillis(),
                    c.requestTimeoutSeconds(), c.callTimeoutSeconds(), c.stream(), c.maxTokens());
        }

        URI endpoint() {
            String base = baseUrl.toString();
            return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions");
        }

        @Override
        public String toString() {
            return "llm.chat " + baseUrl + " model " + model + (apiKey.isEmpty() ? "" : " (API key set)");
        }
    }

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("llm.chat").version("1.0.0")
            .description("a chat completion from the configured OpenAI-compatible model; 'tools' names syscalls the "
                    + "model may ask the agent to call")
            .args(Json.schema("""
                    {"type":"object","properties":{
                      "messages":{"type":"array","minItems":1,"maxItems":256,"items":{
                        "type":"object","properties":{
                          "role":{"enum":["system","user","assistant","tool"]},
                          "content":{"type":["string","null"]},
                          "tool_calls":{"type":"array","description":"as returned in message.tool_calls, or toolCalls entries"},
                          "tool_call_id":{"type":"string"},
                          "name":{"type":"string"}},
                        "required":["role"],"additionalProperties":false}},
                      "model":{"type":"string","minLength":1,"maxLength":256},
                      "temperature":{"type":"number","minimum":0,"maximum":2},
                      "maxTokens":{"type":"integer","minimum":1},
                      "tools":{"type":"array","maxItems":64,"items":{"type":"string","minLength":1,"maxLength":128},
                               "description":"syscall names the model may call"},
                      "stream":{"type":"boolean"}},
                     "required":["messages"],"additionalProperties":false}"""))
            .result(Json.schema("""
                    {"type":"object","properties":{
                      "message":{"type":"object","description":"{role: assistant, content, tool_calls?}; append it to messages"},
                      "toolCalls":{"type":"array","description":"{id, syscall, args} or {id, syscall, argsText, argsError}"},
                      "finishReason":{"type":["string","null"]},
                      "usage":{"type":"object","description":"promptTokens, completionTokens, totalTokens, estimated"},
                      "model":{"type":"string"},
                      "attempts":{"type":"integer"}}}"""))
            .resourceClass(ResourceClass.LLM).determinism(Determinism.RECORDED).idempotent(false)
            .timeout(Duration.ofSeconds(CALL_TIMEOUT_CEILING_SECONDS + 10)).build();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SyscallGateway gateway;

    private volatile Settings settings;
    // HTTP/1.1: servers stream server-sent events over it, and some mishandle HttpClient's h2c upgrade.
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public LlmChat() {
        this(Settings.defaults("http://127.0.0.1:11434/v1"));
    }

    LlmChat(Settings settings) {
        this.settings = settings;
    }

    @Activate
    @Modified
    void configure(Config c) {
        settings = Settings.of(c);
        LOG.info("{}", settings);
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        Settings s = settings;
        Map<String, String> functions = new LinkedHashMap<>(); // function name -> syscall name
        ArrayNode tools = tools(args.get("tools"), functions);
        boolean stream = args.hasNonNull("stream") ? args.get("stream").asBoolean() : s.stream();
        String model = args.hasNonNull("model") ? args.get("model").asText() : s.model();
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("model", model);
        request.set("messages", messages(args.get("messages")));
        request.put("max_tokens", args.hasNonNull("maxTokens") ? Math.min(args.get("maxTokens").asInt(), s.maxTokens()) : s.maxTokens());
        if (args.hasNonNull("temperature")) request.set("temperature", args.get("temperature"));
        if (!tools.isEmpty()) request.set("tools", tools);
        request.put("stream", stream);
        if (stream) request.putObject("stream_options").put("include_usage", true);
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new SyscallException(Errno.EINVAL, "cannot encode the request: " + e.getOriginalMessage());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.callTimeoutSeconds());
        Answer answer = exchange(s, body, model, deadline);
        return result(ctx, answer, request, functions);
    }

    /** What the provider answered, from a JSON response or an accumulated stream. */
    private static final class Answer {
        final StringBuilder content = new StringBuilder();
        boolean contentNull = true;
        final Map<Integer, Call> calls = new TreeMap<>();
        String finishReason;
        JsonNode usage;
        String model;
        int attempts;
    }

    /** One tool call, merged from stream deltas by index. */
    private static final class Call {
        String id = "";
        String name = "";
        final StringBuilder arguments = new StringBuilder();
        JsonNode argumentsObject;
    }

    // ------------------------------------------------------------------ request

    /** The OpenAI function specs of the syscalls the model may call. */
    private ArrayNode tools(JsonNode names, Map<String, String> functions) throws SyscallException {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (names == null || names.isNull() || names.isEmpty()) return out;
        SyscallGateway g = gateway;
        if (g == null) {
            throw new SyscallException(Errno.ENOSYS, "tool calling needs the syscall gateway (permission "
                    + KernelPermission.SYSCALL_GATEWAY + ")");
        }
        for (JsonNode n : names) {
            String syscall = n.asText();
            if (functions.containsValue(syscall)) continue;
            Optional<ToolDescriptor> d = g.describe(syscall);
            if (d.isEmpty()) throw new SyscallException(Errno.ENOENT, "no syscall " + syscall);
            String function = functionName(syscall);
            functions.put(function, syscall);
            ObjectNode f = out.addObject().put("type", "function").putObject("function");
            f.put("name", function).put("description", d.get().description());
            f.set("parameters", d.get().argsSchema());
        }
        return out;
    }

    /** OpenAI function names allow [a-zA-Z0-9_-], so {@code fs.read} becomes {@code fs__read}. */
    static String functionName(String syscall) {
        return syscall.replace(".", "__");
    }

    /** The messages as given, with tool calls in our form ({@code syscall}, {@code args}) put in OpenAI's. */
    private static ArrayNode messages(JsonNode messages) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (JsonNode m : messages) {
            ObjectNode copy = m.deepCopy();
            JsonNode calls = m.get("tool_calls");
            if (calls != null && calls.isArray()) {
                ArrayNode converted = copy.putArray("tool_calls");
                for (JsonNode c : calls) {
                    if (!c.has("syscall")) {
                        converted.add(c);
                        continue;
                    }
                    ObjectNode oc = converted.addObject();
                    oc.put("id", c.path("id").asText("")).put("type", "function");
                    JsonNode a = c.get("args");
                    oc.putObject("function").put("name", functionName(c.get("syscall").asText()))
                            .put("arguments", a != null ? a.toString() : c.path("argsText").asText("{}"));
                }
            }
            out.add(copy);
        }
        return out;
    }

    // ------------------------------------------------------------------ exchange with retries

    /** A failure that a retry may cure (429, 5xx, a refused or broken connection). */
    private static final class Transient extends Exception {
        private static final long serialVersionUID = 1L;
        final transient SyscallException error;
        final long retryAfterMillis;

        Transient(SyscallException error, long retryAfterMillis) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.retryAfterMillis = retryAfterMillis;
        }
    }

    private Answer exchange(Settings s, byte[] body, String model, long deadline) throws SyscallException {
        for (int attempt = 1; ; attempt++) {
            Transient failure;
            try {
                Answer a = attempt(s, body, model, deadline);
                a.attempts = attempt;
                return a;
            } catch (Transient t) {
                failure = t;
            }
            if (attempt > s.maxRetries()) {
                throw new SyscallException(failure.error.errno(), failure.error.getMessage()
                        + (attempt > 1 ? " (" + attempt + " attempts)" : ""));
            }
            long wait = failure.retryAfterMillis >= 0 ? Math.min(failure.retryAfterMillis, RETRY_AFTER_CAP_MILLIS)
                    : Math.min(s.backoffMillis() << Math.min(attempt - 1, 20), RETRY_AFTER_CAP_MILLIS);
            if (Net.millisLeft(deadline) <= wait) {
                throw new SyscallException(failure.error.errno(), failure.error.getMessage() + " (no time left to retry within "
                        + s.callTimeoutSeconds() + " s)");
            }
            LOG.debug("llm.chat attempt {} failed, retrying in {} ms: {}", attempt, wait, failure.error.getMessage());
            try {
                TimeUnit.MILLISECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyscallException(Errno.EINTR, "llm.chat was interrupted while waiting to retry");
            }
        }
    }

    private Answer attempt(Settings s, byte[] body, String model, long deadline) throws SyscallException, Transient {
        long left = Net.millisLeft(deadline);
        if (left <= 0) throw callTimedOut(s);
        HttpRequest.Builder b = HttpRequest.newBuilder(s.endpoint())
                .timeout(Duration.ofMillis(Math.min(left, TimeUnit.SECONDS.toMillis(s.requestTimeoutSeconds()))))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (!s.apiKey().isEmpty()) b.header("Authorization", "Bearer " + s.apiKey());
        HttpResponse<InputStream> response;
        try {
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new SyscallException(Errno.ETIMEDOUT, "the LLM provider at " + s.baseUrl() + " did not answer within "
                    + Math.min(left / 1000, s.requestTimeoutSeconds()) + " s");
        } catch (IOException e) {
            if (Net.refused(e)) {
                throw new Transient(new SyscallException(Errno.EIO, "cannot reach the LLM provider at " + s.baseUrl()
                        + ": connection refused (is the server running? set baseUrl in etc/" + PID + ".cfg)"), -1);
            }
            if (Net.unresolved(e)) {
                throw new Transient(new SyscallException(Errno.EIO, "cannot reach the LLM provider at " + s.baseUrl()
                        + ": cannot resolve host " + s.baseUrl().getHost() + " (set baseUrl in etc/" + PID + ".cfg)"), -1);
            }
            throw new Transient(new SyscallException(Errno.EIO, "lost the connection to the LLM provider at "
                    + s.baseUrl() + ": " + Net.reason(e)), -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "llm.chat was interrupted");
        }
        int status = response.statusCode();
        if (status / 100 == 2) return answer(s, response, deadline);
        String detail = errorDetail(response, deadline);
        if (status == 429) {
            throw new Transient(new SyscallException(Errno.EAGAIN, "provider rate-limited the request (HTTP 429"
                    + detail + ")"), retryAfter(response));
        }
        if (status >= 500) {
            throw new Transient(new SyscallException(Errno.EIO, "the LLM provider at " + s.baseUrl() + " failed (HTTP "
                    + status + detail + ")"), retryAfter(response));
        }
        if (status == 401 || status == 403) {
            throw new SyscallException(Errno.EPERM, "the provider rejected the API key (HTTP " + status + detail
                    + "; set .apiKey in etc/" + PID + ".cfg)");
        }
        if (status == 404) {
            throw new SyscallException(Errno.ENOENT, "the provider has no model '" + model + "' or no endpoint "
                    + s.endpoint() + " (HTTP 404" + detail + ")");
        }
        throw new SyscallException(Errno.EINVAL, "the provider refused the request (HTTP " + status + detail + ")");
    }

    private static SyscallException callTimedOut(Settings s) {
        return new SyscallException(Errno.ETIMEDOUT, "llm.chat did not finish within " + s.callTimeoutSeconds() + " s");
    }

    /** Retry-After in milliseconds (seconds form only), or -1. */
    private static long retryAfter(HttpResponse<?> response) {
        Optional<String> v = response.headers().firstValue("retry-after");
        if (v.isEmpty()) return -1;
        try {
            return Math.max(0, TimeUnit.SECONDS.toMillis(Long.parseLong(v.get().trim())));
        } catch (NumberFormatException httpDate) {
            return -1;
        }
    }

    /** ": <provider's error.message>" from an error response, or "". */
    private static String errorDetail(HttpResponse<InputStream> response, long deadline) {
        byte[] data;
        try (InputStream in = response.body(); Net.Guard g = Net.closeAt(in, deadline)) {
            data = in.readNBytes(MAX_ERROR_BYTES);
        } catch (IOException e) {
            return "";
        }
        String text = new String(data, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) return "";
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            JsonNode err = n.get("error");
            if (err != null && err.isObject() && err.hasNonNull("message")) return ": " + err.get("message").asText();
            if (err != null && err.isTextual()) return ": " + err.asText();
            if (n.hasNonNull("message")) return ": " + n.get("message").asText();
        } catch (IOException notJson) {
            // fall through to the raw text
        }
        return ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
    }

    // ------------------------------------------------------------------ responses

    private static Answer answer(Settings s, HttpResponse<InputStream> response, long deadline) throws SyscallException {
        String type = response.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        try (InputStream in = new Bounded(response.body()); Net.Guard g = Net.closeAt(in, deadline)) {
            // A server that ignores "stream": true answers with plain JSON: accept either.
            return type.contains("text/event-stream") ? stream(in) : json(in);
        } catch (IOException e) {
            if (Net.passed(deadline)) throw callTimedOut(s);
            throw new SyscallException(Errno.EIO, "reading the answer of the LLM provider at " + s.baseUrl() + " failed: "
                    + Net.reason(e));
        }
    }

    private static Answer json(InputStream in) throws IOException, SyscallException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            throw new SyscallException(Errno.EIO, "the provider's answer is not JSON: " + e.getOriginalMessage());
        }
        Answer a = new Answer();
        if (root == null || !root.has("choices")) throw new SyscallException(Errno.EIO, "the provider's answer has no choices");
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (message.hasNonNull("content")) {
            a.content.append(message.get("content").asText());
            a.contentNull = false;
        }
        int i = 0;
        for (JsonNode tc : message.path("tool_calls")) {
            Call c = new Call();
            c.id = tc.path("id").asText("");
            c.name = tc.path("function").path("name").asText("");
            JsonNode args = tc.path("function").path("arguments");
            if (args.isTextual()) c.arguments.append(args.asText());
            else if (args.isObject()) c.argumentsObject = args; // Ollama sends an object
            a.calls.put(i++, c);
        }
        a.finishReason = choice.hasNonNull("finish_reason") ? choice.get("finish_reason").asText() : null;
        a.usage = root.get("usage");
        a.model = root.path("model").asText(null);
        return a;
    }

    /** Server-sent events: {@code data: {chunk}} lines until {@code data: [DONE]}. */
    private static Answer stream(InputStream in) throws IOException, SyscallException {
        Answer a = new Answer();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        boolean done = false;
        for (String line; (line = r.readLine()) != null; ) {
            if (!line.startsWith("data:")) continue; // comments, event names, blank separators
            String data = line.substring(5).trim();
            if (data.isEmpty()) continue;
            if (data.equals("[DONE]")) {
                done = true;
                break;
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(data);
            } catch (JsonProcessingException e) {
                throw new SyscallException(Errno.EIO, "the provider sent a stream event that is not JSON: "
                        + (data.length() > 200 ? data.substring(0, 200) + "..." : data));
            }
            JsonNode err = chunk.get("error");
            if (err != null && !err.isNull()) {
                throw new SyscallException(Errno.EIO, "the provider failed during the answer: "
                        + (err.hasNonNull("message") ? err.get("message").asText() : err.toString()));
            }
            if (chunk.hasNonNull("model")) a.model = chunk.get("model").asText();
            JsonNode usage = chunk.get("usage");
            if (usage != null && usage.isObject()) a.usage = usage;
            JsonNode choice = chunk.path("choices").path(0);
            if (choice.isMissingNode()) continue;
            JsonNode delta = choice.path("delta");
            if (delta.hasNonNull("content")) {
                a.content.append(delta.get("content").asText());
                a.contentNull = false;
            }
            int position = 0;
            for (JsonNode tc : delta.path("tool_calls")) {
                Call c = a.calls.computeIfAbsent(tc.path("index").asInt(position), k -> new Call());
                position++;
                if (tc.hasNonNull("id")) c.id = tc.get("id").asText();
                JsonNode f = tc.path("function");
                String name = f.path("name").asText("");
                // OpenAI sends the name once; some servers repeat it in every delta.
                if (!name.isEmpty() && !c.name.equals(name)) c.name = c.name + name;
                JsonNode args = f.path("arguments");
                if (args.isTextual()) c.arguments.append(args.asText());
                else if (args.isObject()) c.argumentsObject = args;
            }
            if (choice.hasNonNull("finish_reason")) a.finishReason = choice.get("finish_reason").asText();
        }
        if (!done && a.finishReason == null) {
            throw new SyscallException(Errno.EIO, "the provider's stream ended before the answer was complete");
        }
        return a;
    }

    private static ObjectNode result(ToolContext ctx, Answer a, ObjectNode request, Map<String, String> functions)
            throws SyscallException {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode message = out.putObject("message").put("role", "assistant");
        String content = a.content.toString();
        if (a.contentNull && !a.calls.isEmpty()) message.putNull("content");
        else message.put("content", content);
        ArrayNode openAiCalls = Json.MAPPER.createArrayNode();
        ArrayNode toolCalls = out.putArray("toolCalls");
        long completionChars = content.length();
        for (Call c : a.calls.values()) {
            String argsText = c.argumentsObject != null ? c.argumentsObject.toString() : c.arguments.toString();
            completionChars += c.name.length() + argsText.length();
            ObjectNode oc = openAiCalls.addObject().put("id", c.id).put("type", "function");
            oc.putObject("function").put("name", c.name).put("arguments", argsText);
            ObjectNode tc = toolCalls.addObject().put("id", c.id)
                    .put("syscall", functions.getOrDefault(c.name, c.name.replace("__", ".")));
            if (argsText.isBlank()) {
                tc.putObject("args");
                continue;
            }
            try {
                JsonNode parsed = Json.MAPPER.readTree(argsText);
                if (parsed != null && parsed.isObject()) {
                    tc.set("args", parsed);
                } else {
                    tc.put("argsText", argsText).put("argsError", "the arguments are not a JSON object");
                }
            } catch (JsonProcessingException e) {
                tc.put("argsText", argsText).put("argsError", "the arguments are not valid JSON: " + e.getOriginalMessage());
            }
        }
        if (!openAiCalls.isEmpty()) message.set("tool_calls", openAiCalls);
        out.put("finishReason", a.finishReason);
        ObjectNode usage = usage(a.usage, request, completionChars);
        out.set("usage", usage);
        out.put("model", a.model != null ? a.model : request.path("model").asText());
        out.put("attempts", a.attempts);
        // Throws EQUOTA when the caller goes over its token quota; the kernel then stops it.
        ctx.chargeTokens(usage.get("totalTokens").asLong());
        return out;
    }

    /** The provider's usage, or an estimate (4 characters a token) when it gave none. */
    private static ObjectNode usage(JsonNode given, ObjectNode request, long completionChars) {
        ObjectNode u = Json.MAPPER.createObjectNode();
        if (given != null && given.isObject() && (given.has("total_tokens") || given.has("prompt_tokens")
                || given.has("completion_tokens"))) {
            long prompt = given.path("prompt_tokens").asLong(0);
            long completion = given.path("completion_tokens").asLong(0);
            long total = given.hasNonNull("total_tokens") ? given.get("total_tokens").asLong() : prompt + completion;
            return u.put("promptTokens", prompt).put("completionTokens", completion).put("totalTokens", total)
                    .put("estimated", false);
        }
        long promptChars = 0;
        for (JsonNode m : request.path("messages")) promptChars += m.path("content").asText("").length();
        long prompt = Math.max(1, promptChars / 4);
        long completion = Math.max(1, completionChars / 4);
        return u.put("promptTokens", prompt).put("completionTokens", completion).put("totalTokens", prompt + completion)
                .put("estimated", true);
    }

    /** Refuses to read more than {@value #MAX_RESPONSE_BYTES} bytes of an answer. */
    private static final class Bounded extends FilterInputStream {
        private long read;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) count(n);
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > MAX_RESPONSE_BYTES) throw new IOException("the answer is larger than " + (MAX_RESPONSE_BYTES >> 20) + " MiB");
        }
    }
}
