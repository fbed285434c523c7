package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * What {@code llm.sim} answers to a chat request ({@code messages}, {@code tools}), in the form
 * {@code llm.chat} returns, by a fixed rule instead of a model: it asks for each offered tool
 * once, in the order offered, one per turn, with arguments made from the tool's schema (a
 * {@code path} is the n-th path named in the goal, a {@code text} summarises the last tool
 * result); when every tool has been called it answers with what the tools returned. Enough for
 * the demo and the tests to show agents that think and act without a real provider.
 */
final class SimulatedChat {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("(?<![\\w.])/[\\w./-]+[\\w/]");

    private SimulatedChat() {}

    static ObjectNode reply(JsonNode request, Function<String, Optional<ToolDescriptor>> describe)
            throws SyscallException {
        JsonNode messages = request.path("messages");
        String goal = "";
        String lastToolResult = "";
        List<String> toolResults = new ArrayList<>();
        Set<String> called = new HashSet<>();
        int turn = 1;
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            if (role.equals("user") && goal.isEmpty()) goal = m.path("content").asText("");
            if (role.equals("tool")) {
                lastToolResult = textOf(m.path("content").asText(""));
                toolResults.add(lastToolResult);
            }
            if (role.equals("assistant")) {
                turn++;
                for (JsonNode c : m.path("tool_calls")) {
                    called.add(c.has("syscall") ? c.path("syscall").asText()
                            : c.path("function").path("name").asText().replace("__", "."));
                }
            }
        }
        List<String> paths = new ArrayList<>();
        Matcher pm = PATH.matcher(goal);
        while (pm.find()) paths.add(pm.group());
        int i = 0;
        for (JsonNode t : request.path("tools")) {
            String tool = t.asText();
            if (!called.contains(tool)) {
                ToolDescriptor d = describe.apply(tool).orElseThrow(() -> new SyscallException(Errno.ENOENT,
                        "no syscall " + tool));
                return callTool(turn, tool, args(d.argsSchema(), i, paths, lastToolResult), messages);
            }
            i++;
        }
        return answer(toolResults.isEmpty() ? "I was given no tools; the goal was: " + abbreviate(goal, 200)
                : "Done. " + summary(toolResults), messages);
    }

    private static ObjectNode callTool(int turn, String tool, ObjectNode args, JsonNode messages) {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode call = JSON.createObjectNode().put("id", "sim-" + turn).put("syscall", tool);
        call.set("args", args);
        ObjectNode msg = r.putObject("message").put("role", "assistant").putNull("content");
        msg.putArray("tool_calls").add(call.deepCopy());
        r.putArray("toolCalls").add(call);
        r.put("finishReason", "tool_calls");
        usage(r, messages, args.toString());
        return r;
    }

    private static ObjectNode answer(String text, JsonNode messages) {
        ObjectNode r = JSON.createObjectNode();
        r.putObject("message").put("role", "assistant").put("content", text);
        r.putArray("toolCalls");
        r.put("finishReason", "stop");
        usage(r, messages, text);
        return r;
    }

    private static void usage(ObjectNode r, JsonNode messages, String completion) {
        long prompt = 1 + messages.toString().length() / 4;
        long done = 1 + completion.length() / 4;
        r.putObject("usage").put("promptTokens", prompt).put("completionTokens", done).put("totalTokens", prompt + done)
                .put("estimated", true);
        r.put("model", "llm.sim");
    }

    /** Arguments from a schema: its required properties, and path and text when it has them. */
    static ObjectNode args(JsonNode schema, int index, List<String> paths, String lastResult) {
        ObjectNode out = JSON.createObjectNode();
        Set<String> required = new HashSet<>();
        for (JsonNode r : schema.path("required")) required.add(r.asText());
        var fields = schema.path("properties").fields();
        while (fields.hasNext()) {
            var f = fields.next();
            String name = f.getKey();
            String type = f.getValue().path("type").asText("");
            if (name.equals("path") && type.equals("string")) {
                out.put(name, paths.isEmpty() ? "/tmp/llm-sim" : paths.get(Math.min(index, paths.size() - 1)));
            } else if ((name.equals("text") || name.equals("content")) && type.equals("string")) {
                out.put(name, "Summary: " + abbreviate(lastResult, 200));
            } else if (required.contains(name)) {
                switch (type) {
                    case "integer", "number" -> out.put(name, f.getValue().path("minimum").asLong(1));
                    case "boolean" -> out.put(name, false);
                    case "array" -> out.putArray(name);
                    case "object" -> out.putObject(name);
                    default -> out.put(name, "sim");
                }
            }
        }
        return out;
    }

    /** A tool's result as the model reads it: its {@code text} when it has one (fs.read), else as it is. */
    private static String textOf(String content) {
        try {
            JsonNode j = JSON.readTree(content);
            if (j != null && j.path("text").isTextual()) return j.get("text").asText();
        } catch (java.io.IOException notJson) {
            // an error message ("EPERM: ..."): as it is
        }
        return content;
    }

    private static String summary(List<String> results) {
        StringBuilder b = new StringBuilder();
        for (String r : results) b.append(b.length() == 0 ? "" : "; ").append(abbreviate(r, 100));
        return b.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** For tests: a tools array. */
    static ArrayNode tools(String... names) {
        ArrayNode a = JSON.createArrayNode();
        for (String n : names) a.add(n);
        return a;
    }
}
