package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
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
 * model answers or {@code maxTurns} is used up. The conversation lives in the agent's memory
 * space as context-window entries ({@code conversation/0001} ...), so {@code mem:dump} shows what
 * the agent knows, and the model is sent what is resident there (turns paged out to the archive
 * come back by its {@code mem.recall}). Durable by replay like every agent written as code: after
 * a restart the model is not asked again for turns it already answered.
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
        Conversation conversation = new Conversation(sys, in.contextTokens());
        if (in.system() != null) conversation.add(message(sys, "system", in.system()));
        conversation.add(message(sys, "user", in.goal()));
        conversation.pin();
        for (int turn = 1; turn <= in.maxTurns(); turn++) {
            ObjectNode request = sys.json().createObjectNode();
            Prompt prompt = conversation.prompt();
            request.set("messages", prompt.messages());
            Set<String> tools = offered;
            if (prompt.archived() > 0) { // what was paged out can be paged back in, by the model's own call
                tools = new LinkedHashSet<>(offered);
                tools.add(RECALL);
            }
            if (!tools.isEmpty()) request.set("tools", sys.json().valueToTree(tools));
            if (in.model() != null) request.put("model", in.model());
            JsonNode reply = sys.call(in.llm(), request);
            JsonNode said = reply.path("message");
            conversation.add(said.isObject() ? ((ObjectNode) said).deepCopy() : message(sys, "assistant", ""));
            JsonNode calls = reply.path("toolCalls");
            if (!calls.isArray() || calls.isEmpty()) {
                String answer = said.path("content").asText("");
                deliver(sys, in, answer);
                return answer;
            }
            for (JsonNode call : calls) {
                conversation.add(message(sys, "tool", act(sys, tools, call)).put("tool_call_id", call.path("id").asText("")));
            }
        }
        throw new SyscallFailure(in.llm(), Errno.EQUOTA, "no answer after " + in.maxTurns() + " turns (maxTurns)");
    }

    /** Offered to the model while turns of its conversation are in the archive. */
    static final String RECALL = "mem.recall";

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

    /** What a turn sends the model, and how many messages of the conversation it left in the archive. */
    record Prompt(ArrayNode messages, int archived) {}

    /**
     * The conversation as context-window entries of the agent's memory space
     * ({@code conversation/0001} ...). Each turn the model is sent the pinned messages (system,
     * goal) and the rest as far as it is resident: the memory manager pages the least recently
     * used entries out to the archive under the window's token budget (or memory pressure), and
     * those turns are left out until the model calls {@code mem.recall}. An assistant message
     * and the tool results that answer it go or stay together, as chat APIs require.
     */
    private static final class Conversation {
        private final Sys sys;
        private final List<ObjectNode> messages = new ArrayList<>();
        private int pinned;

        Conversation(Sys sys, Long budget) {
            this.sys = sys;
            if (budget != null && budget > 0) sys.call("mem.budget", Args.of("tokens", budget));
        }

        void pin() {
            pinned = messages.size();
        }

        void add(ObjectNode message) {
            messages.add(message);
            String text = message.path("content").asText("");
            ObjectNode put = Args.of("key", key(messages.size()), "working", true,
                    "tokens", 1 + text.length() / 4, "summary", message.path("role").asText() + ": "
                            + (text.length() <= 120 ? text : text.substring(0, 120) + "..."));
            put.set("value", message);
            sys.call("mem.put", put);
        }

        private static String key(int n) {
            return String.format("conversation/%04d", n);
        }

        Prompt prompt() {
            ArrayNode out = sys.json().createArrayNode();
            Set<String> archived = messages.size() > pinned ? archivedKeys() : Set.of();
            for (int i = 0; i < pinned; i++) out.add(messages.get(i).deepCopy());
            int left = 0;
            if (archived.isEmpty()) {
                for (int i = pinned; i < messages.size(); i++) out.add(messages.get(i).deepCopy());
                return new Prompt(out, 0);
            }
            ArrayNode rest = sys.json().createArrayNode();
            int i = pinned;
            while (i < messages.size()) { // a group: an assistant message and the tool results answering it
                int end = i + 1;
                while (end < messages.size() && "tool".equals(messages.get(end).path("role").asText())) end++;
                boolean any = false;
                for (int j = i; j < end; j++) any |= !archived.contains(key(j + 1));
                if (!any) {
                    left += end - i;
                } else {
                    // the call is sent with any of its results that is resident (a recalled one):
                    // chat APIs refuse a tool result without it, and it is small
                    rest.add(messages.get(i).deepCopy());
                    for (int j = i + 1; j < end; j++) {
                        if (!archived.contains(key(j + 1))) {
                            rest.add(messages.get(j).deepCopy());
                        } else {
                            left++;
                            rest.add(messages.get(j).deepCopy().put("content", "(in the archive; " + RECALL
                                    + " brings it back)"));
                        }
                    }
                }
                i = end;
            }
            if (left > 0) {
                out.add(message(sys, "system", left + " earlier messages of this conversation were paged out of your "
                        + "context window to the archive; call " + RECALL + " {\"query\": words} to bring back "
                        + "the ones you need."));
            }
            out.addAll(rest);
            return new Prompt(out, left);
        }

        /** Keys of this conversation's entries in the archive: none without asking while the window has none paged out. */
        private Set<String> archivedKeys() {
            Set<String> out = new HashSet<>();
            if (sys.call("mem.budget", Args.none()).path("pagedOut").asLong() == 0) return out;
            String after = null;
            do {
                ObjectNode list = Args.of("prefix", "conversation/", "limit", 1000);
                if (after != null) list.put("after", after);
                JsonNode page = sys.call("mem.list", list);
                for (JsonNode e : page.path("entries")) {
                    if (e.path("working").asBoolean() && !e.path("resident").asBoolean(true)) out.add(e.path("key").asText());
                }
                after = page.hasNonNull("next") ? page.get("next").asText() : null;
            } while (after != null);
            return out;
        }
    }
}
