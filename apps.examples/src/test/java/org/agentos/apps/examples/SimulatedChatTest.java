package org.agentos.apps.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

/** llm.sim's chat rule: each offered tool once, arguments from its schema and the goal, then an answer. */
class SimulatedChatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ToolDescriptor tool(String name, String schema) throws Exception {
        return ToolDescriptor.builder(name).args(JSON.readTree(schema)).build();
    }

    private final Map<String, ToolDescriptor> tools = Map.of(
            "fs.read", tool("fs.read", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                    + "\"version\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"path\"]}"),
            "fs.write", tool("fs.write", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                    + "\"text\":{\"type\":\"string\"}},\"required\":[\"path\"]}"));

    SimulatedChatTest() throws Exception {
    }

    private JsonNode ask(ArrayNode messages, String... offered) throws SyscallException {
        ObjectNode req = JSON.createObjectNode();
        req.set("messages", messages);
        req.set("tools", SimulatedChat.tools(offered));
        return SimulatedChat.reply(req, name -> Optional.ofNullable(tools.get(name)));
    }

    @Test
    void itCallsEachOfferedToolOnceWithArgumentsFromItsSchemaThenAnswers() throws Exception {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", "read /home/a/in.txt, write /home/a/out.txt");

        JsonNode first = ask(messages, "fs.read", "fs.write");
        assertEquals("fs.read", first.at("/toolCalls/0/syscall").asText());
        assertEquals("{\"path\":\"/home/a/in.txt\"}", first.at("/toolCalls/0/args").toString());
        messages.add(first.get("message"));
        messages.addObject().put("role", "tool").put("tool_call_id", "sim-1").put("content", "{\"text\":\"hello\",\"version\":1}");

        JsonNode second = ask(messages, "fs.read", "fs.write");
        assertEquals("fs.write", second.at("/toolCalls/0/syscall").asText());
        assertEquals("{\"path\":\"/home/a/out.txt\",\"text\":\"Summary: hello\"}", second.at("/toolCalls/0/args").toString());
        messages.add(second.get("message"));
        messages.addObject().put("role", "tool").put("tool_call_id", "sim-2").put("content", "EPERM: no");

        JsonNode third = ask(messages, "fs.read", "fs.write");
        assertTrue(third.path("toolCalls").isEmpty());
        assertEquals("Done. hello; EPERM: no", third.at("/message/content").asText());
        assertTrue(third.at("/usage/totalTokens").asLong() > 0);
    }

    @Test
    void anUnknownOfferedToolIsEnoent() {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", "go");
        SyscallException e = assertThrows(SyscallException.class, () -> ask(messages, "no.such"));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void withoutToolsItAnswersAtOnce() throws Exception {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", "say hi");
        assertEquals("I was given no tools; the goal was: say hi", ask(messages).at("/message/content").asText());
    }
}
