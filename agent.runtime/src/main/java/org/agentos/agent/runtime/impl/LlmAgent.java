package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.osgi.service.component.annotations.Component;

/**
 * {@code llm-agent}: thinks with a model and acts through syscalls. Each turn asks the model
 * ({@code llm.chat}, or the tool named by {@code llm}) with the conversation and the tools it
 * may use; every tool call the model asks for is made as a syscall of this agent (mediated,
 * audited, charged), and its result, an error included, goes back to the model; until the
 * model answers or {@code maxTurns} is used up. The conversation is also kept in the agent's
 * memory space as context-window entries ({@code conversation/0001} ...), so {@code mem:dump}
 * shows what the agent knows. Durable by replay like every agent written as code: after a
 * restart the model is not asked again for turns it already answered.
 */
@Component(service = Agent.class)
public class LlmAgent implements Agent<LlmAgent.Input> {

    /**
     * @param goal          what to do (the first user message)
     * @param tools         syscalls the model may ask for
     * @param llm           the model tool (default {@code llm.chat})
     * @param model         model name, passed on when set
     * @param system        a system message, when set
     * @param maxTurns      model calls at most (default 8)
     * @param contextTokens the token budget of the context window in memory (0: the space's default)
     * @param answerFile    where to write the answer, too (a file)
     * @param answerQueue   where to send it, too (a queue or {@code @<pid>})
     */
    public record Input(String goal, List<String> tools, String llm, String model, String system, Integer maxTurns,
                        Long contextTokens, String answerFile, String answerQueue) {
        public Input {
            if (goal == null || goal.isBlank()) throw new IllegalArgumentException("goal is required");
            tools = tools == null ? List.of() : List.copyOf(tools);
            llm = llm == null ? "llm.chat" : llm;
            maxTurns = maxTurns == null ? 8 : maxTurns;
            if (maxTurns < 1 || maxTurns > 1000) throw new IllegalArgumentException("maxTurns is 1..1000, not " + maxTurns);
            if (tools.size() > 64) throw new IllegalArgumentException("at most 64 tools, not " + tools.size());
        }
    }

    @Override
    public String name() {
        return "llm-agent";
    }

    @Override
    public String description() {
        return "thinks with a model and acts through syscalls; args {goal, tools, llm (llm.chat), model, maxTurns (8), "
                + "answerFile, answerQueue}";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        Set<String> offered = offered(sys, in.tools());
        ArrayNode messages = sys.json().createArrayNode();
        Memory memory = new Memory(sys, in.contextTokens());
        if (in.system() != null) memory.add(messages, message(sys, "system", in.system()));
        memory.add(messages, message(sys, "user", in.goal()));
        for (int turn = 1; turn <= in.maxTurns(); turn++) {
            ObjectNode request = sys.json().createObjectNode();
            // a copy: the kernel's audit writer may still be encoding an earlier request when this one grows
            request.set("messages", messages.deepCopy());
            if (!offered.isEmpty()) request.set("tools", sys.json().valueToTree(offered));
            if (in.model() != null) request.put("model", in.model());
            JsonNode reply = sys.call(in.llm(), request);
            JsonNode said = reply.path("message");
            memory.add(messages, said.isObject() ? (ObjectNode) said : message(sys, "assistant", ""));
            JsonNode calls = reply.path("toolCalls");
            if (!calls.isArray() || calls.isEmpty()) {
                String answer = said.path("content").asText("");
                deliver(sys, in, answer);
                return answer;
            }
            for (JsonNode call : calls) {
                memory.add(messages, message(sys, "tool", act(sys, offered, call))
                        .put("tool_call_id", call.path("id").asText("")));
            }
        }
        throw new SyscallFailure(in.llm(), Errno.EQUOTA, "no answer after " + in.maxTurns() + " turns (maxTurns)");
    }

    /**
     * The tools to offer: those asked for that exist and that this agent may call (tool.list with
     * permittedOnly: its capabilities, as far as they can be told without the call's arguments).
     */
    private static Set<String> offered(Sys sys, List<String> wanted) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : wanted) {
            for (JsonNode t : sys.call("tool.list", "prefix", name, "permittedOnly", true).path("tools")) {
                if (t.path("name").asText().equals(name)) out.add(name);
            }
        }
        return out;
    }

    /** One tool call the model asked for, made as this agent's syscall; what to tell the model. */
    private static String act(Sys sys, Set<String> offered, JsonNode call) {
        String syscall = call.path("syscall").asText("");
        if (call.has("argsError")) return "EINVAL: " + call.path("argsError").asText();
        if (!offered.contains(syscall)) {
            return "EPERM: " + syscall + " is not one of the tools offered to you (" + String.join(", ", offered) + ")";
        }
        try {
            JsonNode args = call.path("args");
            return sys.call(syscall, args.isObject() ? args : Args.none()).toString();
        } catch (SyscallFailure f) {
            return f.getMessage();
        }
    }

    private static void deliver(Sys sys, Input in, String answer) {
        if (in.answerFile() != null) sys.fs().write(in.answerFile(), answer);
        if (in.answerQueue() != null) sys.ipc().send(in.answerQueue(), sys.json().getNodeFactory().textNode(answer));
    }

    private static ObjectNode message(Sys sys, String role, String content) {
        return sys.json().createObjectNode().put("role", role).put("content", content);
    }

    /** The conversation as context-window entries of the agent's memory space. */
    private static final class Memory {
        private final Sys sys;
        private int n;

        Memory(Sys sys, Long budget) {
            this.sys = sys;
            if (budget != null && budget > 0) sys.call("mem.budget", Args.of("tokens", budget));
        }

        void add(ArrayNode messages, ObjectNode message) {
            messages.add(message);
            String text = message.path("content").asText("");
            ObjectNode put = Args.of("key", String.format("conversation/%04d", ++n), "working", true,
                    "tokens", 1 + text.length() / 4, "summary", message.path("role").asText() + ": "
                            + (text.length() <= 120 ? text : text.substring(0, 120) + "..."));
            put.set("value", message);
            sys.call("mem.put", put);
        }
    }
}
