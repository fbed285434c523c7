package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Errno;
import org.osgi.service.component.annotations.Component;

/**
 * {@code planner}: given a goal and the tools it may use, asks the model for a workflow against
 * their stubs ({@code dsl.stubs}), checks it ({@code dsl.check}) and sends the compiler's and
 * checker's findings back to the model, for at most {@code maxRounds} rounds; then runs the
 * workflow that passed as its child ({@code dsl.spawn}, {@code proc.wait}) and reports its
 * result. Every step is a syscall of the planner, so it is durable by replay: after a restart the
 * model is not asked again for rounds it answered.
 */
@Component(service = Agent.class)
public class WorkflowPlanner implements Agent<WorkflowPlanner.Input> {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```(?:java)?\\s*\\n(.*?)```", Pattern.DOTALL);

    static final String CONTRACT = """
            You write workflows for Agent OS. A workflow is one Java 17 compilation unit without a package
            declaration, with one public class that has a public no-argument constructor and the method
                public String run(Tools tools, JsonNode in)
            (import com.fasterxml.jackson.databind.JsonNode and org.agentos.agent.dsl.tools.*). It acts only
            through tools, whose methods are below: a tool's required arguments are parameters, its optional
            ones go through its Options builder (new FsWriteOptions().text(...)), and its result has accessors
            and json(). in is the workflow's input. Use only strings, boxes, Math, java.util collections,
            sequential streams, regular expressions and JSON nodes (tools.json() makes them): no clock, Random,
            threads, reflection, System, files or network except through tools; no catch of Throwable or Error.
            A failed tool call throws org.agentos.agent.runtime.SyscallFailure. Return a short text: it is the
            workflow's exit reason. Answer with the whole source in one ```java block.

            The tools:
            """;

    /**
     * @param goal      what the workflow is to do
     * @param tools     the tools it may call (their stubs are shown to the model)
     * @param llm       the model tool (default llm.chat)
     * @param model     model name, passed on when set
     * @param maxRounds answers of the model at most (default 3)
     * @param args      the workflow's input (default {})
     */
    public record Input(String goal, List<String> tools, String llm, String model, Integer maxRounds, JsonNode args) {
        public Input {
            if (goal == null || goal.isBlank()) throw new IllegalArgumentException("goal is required");
            if (tools == null || tools.isEmpty() || tools.size() > 64) {
                throw new IllegalArgumentException("tools: 1 to 64 tool names the workflow may call");
            }
            tools = List.copyOf(tools);
            llm = llm == null ? "llm.chat" : llm;
            maxRounds = maxRounds == null ? 3 : maxRounds;
            if (maxRounds < 1 || maxRounds > 10) throw new IllegalArgumentException("maxRounds is 1..10, not " + maxRounds);
        }
    }

    @Override
    public String name() {
        return "planner";
    }

    @Override
    public String description() {
        return "asks the model for a workflow that meets {goal} with {tools}, repairs it with the checker's findings, "
                + "runs it; args {goal, tools, llm (llm.chat), model, maxRounds (3), args}";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        ObjectNode stubsArgs = sys.json().createObjectNode();
        stubsArgs.set("tools", sys.json().valueToTree(in.tools()));
        String stubs = sys.call("dsl.stubs", stubsArgs).path("source").asText();
        ArrayNode messages = sys.json().createArrayNode();
        messages.addObject().put("role", "system").put("content", CONTRACT + stubs);
        String task = in.goal() + (in.args() == null ? "" : "\n\nIts input (in) will be: " + in.args());
        messages.addObject().put("role", "user").put("content", task);
        List<String> last = List.of();
        for (int round = 1; round <= in.maxRounds(); round++) {
            ObjectNode request = sys.json().createObjectNode();
            request.set("messages", messages.deepCopy());
            if (in.model() != null) request.put("model", in.model());
            String answer = sys.llm().chat(in.llm(), request).path("message").path("content").asText("");
            messages.addObject().put("role", "assistant").put("content", answer);
            String source = javaSource(answer);
            String file = "workflow-" + round + ".java";
            JsonNode check = sys.call("dsl.check", "source", source, "file", file);
            if (check.path("ok").asBoolean()) {
                ObjectNode spawn = sys.json().createObjectNode().put("source", source).put("file", file);
                spawn.set("args", in.args() == null ? sys.json().createObjectNode() : in.args());
                JsonNode child = sys.call("dsl.spawn", spawn);
                JsonNode done = sys.call("proc.wait", "pid", child.path("pid").asLong());
                return "workflow " + child.path("program").asText() + " (round " + round + ", pid "
                        + child.path("pid").asLong() + ") exited " + done.path("code").asInt() + ": "
                        + done.path("reason").asText();
            }
            last = new ArrayList<>();
            for (JsonNode p : check.path("problems")) {
                last.add(p.path("file").asText() + ":" + p.path("line").asLong() + ":" + p.path("column").asLong() + ": "
                        + p.path("kind").asText() + ": " + p.path("message").asText());
            }
            messages.addObject().put("role", "user").put("content", "The workflow did not pass its check:\n"
                    + String.join("\n", last) + "\nAnswer with the whole corrected workflow.");
        }
        throw new SyscallFailure("dsl.check", Errno.EINVAL, "no workflow passed its check in " + in.maxRounds()
                + " rounds; the last problems: " + String.join("; ", last));
    }

    /** The first ```java block of the model's answer, or the whole answer when it has none. */
    static String javaSource(String answer) {
        Matcher m = JAVA_BLOCK.matcher(answer);
        return m.find() ? m.group(1) : answer;
    }
}
