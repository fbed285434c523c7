package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.dsl.Workflows;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * The workflow syscalls, so that agents (a model among them) can write workflows and start them:
 * {@code dsl.check} compiles and checks a source as if the caller spawned it, {@code dsl.spawn}
 * starts one as the caller's child (capability {@code dsl:spawn}; the spawn itself is the
 * caller's {@code proc.spawn}, made through this bundle's gateway, so the child gets at most the
 * caller's capabilities and the caller needs {@code proc:spawn} as for any child).
 */
final class DslTools {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SOURCE = """
            "source":{"type":"string","minLength":1,"maxLength":%d,"description":"the workflow's Java source"},
            "file":{"type":"string","maxLength":256,"description":"the name problems are reported under (default workflow.java)"},
            "capabilities":{"type":"array","items":{"type":"string"},"maxItems":64,
              "description":"what it would be spawned with (default: the caller's own)"}""".formatted(WorkflowEngine.MAX_SOURCE_CHARS);

    private DslTools() {}

    static ToolDescriptor checkDescriptor() {
        return ToolDescriptor.builder("dsl.check").version("1.0.0")
                .description("compiles and checks a workflow (Java against the typed stubs, dsl:stubs) as if the caller "
                        + "spawned it: problems as file:line:column, the tools it calls, the capabilities it needs")
                .args(schema("{\"type\":\"object\",\"properties\":{" + SOURCE + "},\"required\":[\"source\"],"
                        + "\"additionalProperties\":false}"))
                .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).idempotent(true)
                .timeout(Duration.ofSeconds(60)).build();
    }

    static ToolDescriptor spawnDescriptor() {
        return ToolDescriptor.builder("dsl.spawn").version("1.0.0")
                .description("checks a workflow and starts it as the caller's child (needs proc:spawn too); refused with "
                        + "EINVAL and the problems when the check finds any")
                .args(schema("{\"type\":\"object\",\"properties\":{" + SOURCE + ",\"args\":{\"type\":\"object\"}},"
                        + "\"required\":[\"source\"],\"additionalProperties\":false}"))
                .capabilities("dsl:spawn")
                .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).idempotent(false)
                .timeout(Duration.ofSeconds(60)).build();
    }

    private static JsonNode schema(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ToolDescriptor stubsDescriptor() {
        return ToolDescriptor.builder("dsl.stubs").version("1.0.0")
                .description("the Java stubs workflows compile against for the given tools: the Tools methods, their "
                        + "Options builders and Result classes (what a model needs to write a workflow)")
                .args(schema("{\"type\":\"object\",\"properties\":{\"tools\":{\"type\":\"array\",\"items\":"
                        + "{\"type\":\"string\"},\"minItems\":1,\"maxItems\":64}},\"required\":[\"tools\"],"
                        + "\"additionalProperties\":false}"))
                .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).idempotent(true)
                .timeout(Duration.ofSeconds(60)).build();
    }

    static JsonNode stubs(JsonNode args, Workflows workflows) throws SyscallException {
        StringBuilder out = new StringBuilder();
        for (JsonNode t : args.get("tools")) out.append(workflows.stubs(t.asText())).append('\n');
        return JSON.createObjectNode().put("source", out.toString());
    }

    /** The capabilities the workflow is checked against: those given, else the caller's own. */
    private static List<String> capabilities(ToolContext ctx, JsonNode args, WorkflowService service)
            throws SyscallException {
        if (args.has("capabilities")) {
            List<String> out = new ArrayList<>();
            for (JsonNode c : args.get("capabilities")) out.add(c.asText());
            return out;
        }
        return service.capabilitiesOf(ctx.pid());
    }

    static JsonNode check(ToolContext ctx, JsonNode args, WorkflowService workflows) throws SyscallException {
        List<String> caps = capabilities(ctx, args, workflows);
        WorkflowCheck c = workflows.check(args.path("file").asText("workflow.java"), args.get("source").asText(), caps);
        ObjectNode out = JSON.valueToTree(c);
        return out.put("ok", c.ok());
    }

    static JsonNode spawn(ToolContext ctx, JsonNode args, WorkflowService workflows) throws SyscallException {
        List<String> caps = capabilities(ctx, args, workflows);
        WorkflowCheck c = workflows.install(args.path("file").asText("workflow.java"), args.get("source").asText(), caps);
        ObjectNode spawn = JSON.createObjectNode().put("program", c.program());
        if (args.has("args")) spawn.set("args", args.get("args"));
        spawn.set("capabilities", JSON.valueToTree(caps));
        JsonNode child = workflows.spawnAs(ctx.pid(), spawn);
        return JSON.createObjectNode().put("pid", child.path("pid").asLong()).put("program", c.program());
    }
}
