package org.agentos.agent.runtime.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.memory.heap.HeapMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The llm-agent's loop against a scripted model: tool calls, errors back to the model, turns, memory, a restart. */
class LlmAgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Kernel> kernels = new ArrayList<>();
    private AgentRuntime runtime;

    /** A model tool that answers turn n (its n-th call for a process) with script(n, request). */
    static final class ScriptedModel implements Tool {
        final List<JsonNode> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        private final Function<JsonNode, JsonNode> script;

        ScriptedModel(Function<JsonNode, JsonNode> script) {
            this.script = script;
        }

        @Override
        public ToolDescriptor descriptor() {
            // any arguments, as llm.chat's: the request is the script's business
            return ToolDescriptor.builder("test.llm").args(JSON.createObjectNode().put("type", "object"))
                    .resourceClass(ResourceClass.LLM).build();
        }

        @Override
        public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
            calls.incrementAndGet();
            requests.add(args.deepCopy());
            ctx.chargeTokens(10);
            return script.apply(args);
        }
    }

    /** The turn a request is for: 1 + the assistant messages in it. */
    static int turn(JsonNode request) {
        int n = 1;
        for (JsonNode m : request.path("messages")) if ("assistant".equals(m.path("role").asText())) n++;
        return n;
    }

    static JsonNode answer(String text) {
        ObjectNode r = JSON.createObjectNode();
        r.putObject("message").put("role", "assistant").put("content", text);
        r.putArray("toolCalls");
        return r;
    }

    /** A reply asking for tool calls: each {syscall, args} (args null: malformed JSON). */
    static JsonNode toolCalls(Object... syscallsAndArgs) {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode msg = r.putObject("message").put("role", "assistant").putNull("content");
        ArrayNode calls = r.putArray("toolCalls");
        ArrayNode wire = msg.putArray("tool_calls");
        for (int i = 0; i < syscallsAndArgs.length; i += 2) {
            ObjectNode c = calls.addObject().put("id", "call" + i).put("syscall", (String) syscallsAndArgs[i]);
            if (syscallsAndArgs[i + 1] == null) c.put("argsText", "{nope").put("argsError", "the arguments are not valid JSON");
            else c.set("args", (JsonNode) syscallsAndArgs[i + 1]);
            wire.add(c.deepCopy());
        }
        return r;
    }

    private Kernel kernel(Path dir, ScriptedModel model) {
        Kernel k = new Kernel(new JvmHal(), KernelSettings.defaults(dir).withWorkers(2));
        k.setScheduler(new RoundRobinScheduler(), "test");
        k.setMemoryManager(HeapMemory.standalone(), "test");
        AgentRuntime r = new AgentRuntime(8, 0, 100_000);
        runtime = r;
        k.setEventSink((topic, props) -> {
            if (Kernel.TOPIC_EXITED.equals(topic)) r.processEnded((Long) props.get("pid"));
        });
        k.start();
        k.addTool(model, "test");
        k.addProgram(r.program(new LlmAgent()), "test");
        kernels.add(k);
        return k;
    }

    @AfterEach
    void stop() {
        for (Kernel k : kernels) k.stop();
        if (runtime != null) runtime.close();
    }

    private static ExitStatus exit(Kernel k, long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static JsonNode input(String goal, String... tools) {
        ObjectNode in = Args.of("goal", goal, "llm", "test.llm", "maxTurns", 4);
        ArrayNode t = in.putArray("tools");
        for (String s : tools) t.add(s);
        return in;
    }

    @Test
    void toolCallsAreSyscallsOfTheAgentAndTheirResultsAndErrorsGoBackToTheModel() throws Exception {
        ScriptedModel model = new ScriptedModel(req -> switch (turn(req)) {
            // several calls in one turn: one that works, one not offered, one unknown, one malformed, one refused
            case 1 -> toolCalls("random.int", Args.of("bound", 10), "proc.getpid", Args.none(),
                    "no.such.tool", Args.none(), "random.int", null, "proc.spawn", Args.of("program", "llm-agent"));
            default -> answer("the answer is 42");
        });
        Kernel k = kernel(null, model);
        long pid = k.spawn(new SpawnSpec("llm-agent", input("find the answer", "random.int", "no.such.tool", "proc.spawn"),
                null, 0, List.of("clock:*"), null));
        ExitStatus x = exit(k, pid);
        assertEquals(0, x.code(), x.reason());
        assertEquals("the answer is 42", x.reason());
        assertEquals(2, model.calls.get());
        JsonNode second = model.requests.get(1).path("messages");
        List<String> toolResults = new ArrayList<>();
        for (JsonNode m : second) if ("tool".equals(m.path("role").asText())) toolResults.add(m.path("content").asText());
        assertEquals(5, toolResults.size(), second.toString());
        assertTrue(toolResults.get(0).startsWith("{\"value\":"), toolResults.get(0));
        assertTrue(toolResults.get(1).startsWith("EPERM: proc.getpid is not one of the tools offered"), toolResults.get(1));
        assertTrue(toolResults.get(2).startsWith("EPERM: no.such.tool is not one of the tools offered"), toolResults.get(2));
        assertTrue(toolResults.get(3).startsWith("EINVAL: the arguments are not valid JSON"), toolResults.get(3));
        assertTrue(toolResults.get(4).startsWith("EPERM: proc.spawn is not one of the tools offered to you (random.int)"),
                toolResults.get(4));
        assertEquals(List.of("find the answer"), List.of(model.requests.get(0).path("messages").get(0).path("content").asText()));
        assertEquals("[\"random.int\"]", model.requests.get(0).path("tools").toString(),
                "an unknown tool and one its capabilities do not allow are not offered");
        assertEquals(20, k.info(pid).orElseThrow().usage().tokens(), "two model turns of 10 tokens");
    }

    @Test
    void aModelThatNeverAnswersRunsOutOfTurns() throws Exception {
        ScriptedModel model = new ScriptedModel(req -> toolCalls("random.int", Args.of("bound", 2)));
        Kernel k = kernel(null, model);
        long pid = k.spawn(SpawnSpec.of("llm-agent", input("loop", "random.int")));
        ExitStatus x = exit(k, pid);
        assertEquals(1, x.code());
        assertEquals("EQUOTA: no answer after 4 turns (maxTurns)", x.reason());
        assertEquals(4, model.calls.get());
    }

    @Test
    void theConversationIsWrittenToTheAgentsMemory() throws Exception {
        ScriptedModel model = new ScriptedModel(req -> turn(req) == 1 ? toolCalls("random.int", Args.of("bound", 5))
                : answer("done"));
        Kernel k = kernel(null, model);
        long pid = k.spawn(SpawnSpec.of("llm-agent", input("remember this", "random.int")));
        assertEquals("done", exit(k, pid).reason());
        k.sync();
        List<String> keys = new ArrayList<>();
        for (AuditRecord r : k.read(new AuditQuery(pid, "mem.put", null, 50))) {
            if (AuditRecord.SYSCALL.equals(r.kind())) keys.add(r.args().path("key").asText() + " " + r.outcome());
        }
        // user goal, assistant's tool call, the tool's result, the answer
        assertEquals(List.of("conversation/0001 ok", "conversation/0002 ok", "conversation/0003 ok", "conversation/0004 ok"),
                keys);
    }

    @Test
    void afterARestartTheModelIsNotAskedAgainForTurnsItAnswered(@TempDir Path dir) throws Exception {
        ScriptedModel model = new ScriptedModel(req -> switch (turn(req)) {
            case 1 -> toolCalls("ipc.recv", Args.of("timeoutMs", 60_000));
            default -> answer("got mail");
        });
        Kernel first = kernel(dir, model);
        long pid = first.spawn(SpawnSpec.of("llm-agent", input("wait for mail, then answer", "ipc.recv")));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.info(pid).orElseThrow().state() != ProcessState.BLOCKED
                || !String.valueOf(first.info(pid).orElseThrow().waitingOn()).contains("ipc.recv")) {
            if (System.nanoTime() > end) throw new AssertionError("not waiting for mail: " + first.info(pid));
            Thread.sleep(5);
        }
        assertEquals(1, model.calls.get());
        first.stop();
        kernels.remove(first);
        runtime.close();

        Kernel second = kernel(dir, model);
        second.ipc().send("@" + pid, JSON.getNodeFactory().textNode("hello"), null);
        ExitStatus x = exit(second, pid);
        assertEquals("got mail", x.reason());
        assertEquals(2, model.calls.get(), "turn 1 was served from the history, not asked again");
        assertEquals(20, second.info(pid).orElseThrow().usage().tokens(), "each turn's tokens charged once");
        assertTrue(model.requests.get(1).toString().contains("hello"), "the mail went back to the model");
    }

    /** A tool answering with a page of text about {@code topic}: about 100 tokens. */
    private static Tool pages() {
        return new Tool() {
            @Override
            public ToolDescriptor descriptor() {
                return ToolDescriptor.builder("test.page").args(JSON.createObjectNode().put("type", "object")).build();
            }

            @Override
            public JsonNode call(ToolContext ctx, JsonNode args) {
                String topic = args.path("topic").asText();
                return Args.of("text", (topic + " ").repeat(80));
            }
        };
    }

    private static boolean mentions(JsonNode request, String word) {
        return request.path("messages").toString().contains(word);
    }

    @Test
    void turnsPagedOutOfTheContextWindowAreLeftOutUntilTheModelRecallsThem() throws Exception {
        AtomicInteger turn = new AtomicInteger();
        ScriptedModel model = new ScriptedModel(req -> switch (turn.incrementAndGet()) {
            case 1 -> toolCalls("test.page", Args.of("topic", "zebra"));
            case 2 -> toolCalls("test.page", Args.of("topic", "yak"));
            case 3 -> toolCalls("test.page", Args.of("topic", "okapi"));
            case 4 -> toolCalls(LlmAgent.RECALL, Args.of("query", "zebra"));
            default -> answer("recalled");
        });
        Kernel k = kernel(null, model);
        k.addTool(pages(), "test");
        ObjectNode in = (ObjectNode) input("read three pages", "test.page");
        in.put("contextTokens", 250).put("maxTurns", 6);
        long pid = k.spawn(SpawnSpec.of("llm-agent", in));
        ExitStatus x = exit(k, pid);
        assertEquals("recalled", x.reason(), x.toString());

        JsonNode fourth = model.requests.get(3);
        assertTrue(mentions(fourth, "okapi"), "the newest page is resident and sent");
        assertTrue(!mentions(fourth, "zebra"), "the oldest page was paged out under the 250-token budget: " + fourth);
        assertTrue(mentions(fourth, "paged out of your context window"), "the model is told");
        assertTrue(fourth.path("tools").toString().contains(LlmAgent.RECALL), "and offered mem.recall");
        assertEquals("read three pages", fourth.path("messages").get(0).path("content").asText(), "the goal is always sent");
        assertTrue(!model.requests.get(0).path("tools").toString().contains(LlmAgent.RECALL), "nothing to recall at first");

        JsonNode fifth = model.requests.get(4);
        assertTrue(mentions(fifth, "zebra zebra"), "the recalled page is back in what the model sees: " + fifth);
        // every tool result follows the assistant message that asked for it, as chat APIs require
        java.util.Set<String> asked = new java.util.HashSet<>();
        for (JsonNode m : fifth.path("messages")) {
            for (JsonNode c : m.path("tool_calls")) asked.add(c.path("id").asText());
            if ("tool".equals(m.path("role").asText())) {
                assertTrue(asked.remove(m.path("tool_call_id").asText()), "a tool result without its call: " + fifth);
            }
        }
    }
}
