package org.agentos.agent.dsl.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Collectors;
import org.agentos.agent.dsl.Problem;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Workflows checked before they run: compile errors against the stubs, the allow-list, capabilities. */
class WorkflowCheckTest {
    static Kernel kernel;
    static WorkflowEngine engine;

    @BeforeAll
    static void start() {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(1));
        kernel.start();
        engine = new WorkflowEngine(null, kernel::descriptors, WorkflowCheckTest.class.getClassLoader());
    }

    @AfterAll
    static void stop() {
        kernel.stop();
    }

    static String workflow(String body) {
        return """
                import com.fasterxml.jackson.databind.JsonNode;
                import java.util.*;
                import org.agentos.agent.dsl.tools.*;

                public class Flow {
                    public String run(Tools tools, JsonNode in) {
                %s
                    }
                }
                """.formatted(body);
    }

    static WorkflowCheck check(String source, String... caps) throws Exception {
        return engine.check("flow.java", source, List.of(caps)).check();
    }

    static String problems(WorkflowCheck c) {
        return c.problems().stream().map(Problem::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void aWorkflowThatCallsToolsAsTheirSchemasSayPasses() throws Exception {
        WorkflowCheck c = check(workflow("""
                        long now = tools.clockNow().json().path("millis").asLong();
                        var r = tools.randomInt(new RandomIntOptions().bound(10));
                        return "at " + now + " drew " + r.json();"""), "clock:*");
        assertTrue(c.ok(), problems(c));
        assertEquals("flow-", c.program().substring(0, 5));
        assertEquals(List.of("clock.now", "random.int"), List.copyOf(c.tools().keySet()));
    }

    @Test
    void anUnknownToolAMissingArgumentAndAWrongTypeAreCompileErrorsWithTheirPlace() throws Exception {
        WorkflowCheck c = check(workflow("""
                        tools.noSuchTool("x");
                        tools.procSleep();
                        tools.procSleep("soon");
                        return "";"""));
        String p = problems(c);
        assertTrue(p.contains("flow.java:7:6: error: cannot find symbol; symbol:   method noSuchTool(java.lang.String)"), p);
        assertTrue(p.contains("no such tool here: dsl:stubs lists the tools"), p);
        assertTrue(p.contains("flow.java:8:6: error: method procSleep in class org.agentos.agent.dsl.tools.Tools cannot be "
                + "applied to given types"), p);
        assertTrue(p.contains("flow.java:9:17: error: incompatible types: java.lang.String cannot be converted to long"), p);
    }

    @Test
    void whatIsNotOnTheAllowListIsRefusedWithItsLine() throws Exception {
        String[][] cases = {
                {"long t = System.currentTimeMillis(); return \"\" + t;", "java.lang.System is not available"},
                {"new Thread(() -> {}).start(); return \"\";", "java.lang.Thread is not available"},
                {"return \"\" + new java.util.Random().nextInt();", "java.util.Random is not available"},
                {"return String.class.getName();", "class literals are reflection"},
                {"return \"\" + in.getClass();", "getClass is not available"},
                {"try { return java.nio.file.Files.readString(java.nio.file.Path.of(\"/etc/passwd\")); }"
                        + " catch (Exception e) { return \"\"; }", "java.nio.file.Files is not available"},
                {"try { return \"x\"; } catch (Throwable t) { return \"\"; }", "may not catch java.lang.Throwable"},
                {"try { return \"x\"; } finally { return \"y\"; }", "a finally block may not return"},
                {"return List.of(1, 2).parallelStream().count() + \"\";", "parallelStream is not available"},
        };
        for (String[] c : cases) {
            WorkflowCheck r = check(workflow(c[0]));
            String p = problems(r);
            assertTrue(p.contains("flow.java:7:") && p.contains("refused") && p.contains(c[1]), c[0] + " ->\n" + p);
        }
    }

    @Test
    void aMutableStaticFieldIsRefused() throws Exception {
        String src = """
                import com.fasterxml.jackson.databind.JsonNode;
                import org.agentos.agent.dsl.tools.*;

                public class Counter {
                    static int runs;

                    public String run(Tools tools, JsonNode in) {
                        return "run " + (++runs);
                    }
                }
                """;
        String p = problems(check(src));
        assertTrue(p.contains("flow.java:5:5: refused: static field runs must be final"), p);
    }

    @Test
    void aWorkflowWithoutItsRunMethodIsToldWhatItNeeds() throws Exception {
        String p = problems(check("public class Nothing { public String go() { return \"\"; } }"));
        assertTrue(p.contains("contract: Nothing has no method public String run(Tools tools, <Input> input)"), p);
    }

    @Test
    void capabilitiesFromLiteralArgumentsAreCheckedBeforeItRuns() throws Exception {
        String src = workflow("""
                        tools.procSpawn("counter");
                        return "";""");
        WorkflowCheck without = check(src, "clock:*");
        String p = problems(without);
        assertTrue(p.contains("flow.java:7:1: capability: proc.spawn needs capability 'proc:spawn'"), p);
        assertTrue(p.contains("missing: proc:spawn"), p);
        assertTrue(check(src, "proc:*").ok());
    }

    @Test
    void theSameSourceCompilesOnce() throws Exception {
        String src = workflow("return \"same\";");
        var first = engine.check("a.java", src, List.of());
        var second = engine.check("a.java", src, List.of());
        assertTrue(first.compiled() == second.compiled(), "cached by the source's hash and the stubs");
    }

    @Test
    void theStubsFollowTheSyscallTableAsToolsComeAndGo() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ToolDescriptor d = ToolDescriptor.builder("text.words").version("1.2.0").description("counts words */ in text")
                .args(json.readTree("""
                        {"type":"object","properties":{"text":{"type":"string","description":"what to count"},
                        "lower":{"type":"boolean"}},"required":["text"]}"""))
                .result(json.readTree("""
                        {"type":"object","properties":{"count":{"type":"integer"},"words":{"type":"array",
                        "items":{"type":"string"}}}}""")).build();
        Tool words = new Tool() {
            @Override
            public ToolDescriptor descriptor() {
                return d;
            }

            @Override
            public JsonNode call(ToolContext ctx, JsonNode args) {
                return Args.of("count", 2);
            }
        };
        String src = workflow("""
                        TextWordsResult r = tools.textWords("a b", new TextWordsOptions().lower(true));
                        Long n = r.count();
                        List<String> w = r.words();
                        return n + " " + w;""");
        assertTrue(problems(check(src)).contains("cannot find symbol"), "no such tool yet");
        kernel.addTool(words, "test");
        try {
            WorkflowCheck c = check(src);
            assertTrue(c.ok(), problems(c));
            assertEquals("1.2.0", c.tools().get("text.words"), "the version it was compiled against");
            assertTrue(engine.stubs().set().sources().get(StubGenerator.TOOLS).contains("<b>text.words</b> 1.2.0: counts words *&#47; in text"),
                    "javadoc from the descriptor, a comment end in it defused");
        } finally {
            kernel.removeTool(words);
        }
        assertTrue(problems(check(src)).contains("cannot find symbol"), "gone with its tool");
    }

    @Test
    void argumentsNamedLikeTheStubsOwnVariablesAreRenamedAndTheStubsStillCompile() throws Exception {
        // an MCP server's get-sum takes "a" and "b"; any tool may name an argument sys, Stubs or options
        ObjectMapper json = new ObjectMapper();
        ToolDescriptor d = ToolDescriptor.builder("mcp.remote.get_sum").args(json.readTree("""
                {"type":"object","properties":{"a":{"type":"number"},"sys":{"type":"number"},"Stubs":{"type":"string"},
                "options":{"type":"string"},"extra":{"type":"string"}},"required":["a","sys","Stubs","options"]}""")).build();
        Tool sum = new Tool() {
            @Override
            public ToolDescriptor descriptor() {
                return d;
            }

            @Override
            public JsonNode call(ToolContext ctx, JsonNode args) {
                return args;
            }
        };
        kernel.addTool(sum, "test");
        try {
            WorkflowCheck c = check(workflow("""
                            return tools.mcpRemoteGetSum(1.0, 2.0, "s", "o", new McpRemoteGetSumOptions().extra("e")).json().toString();"""));
            assertTrue(c.ok(), problems(c));
        } finally {
            kernel.removeTool(sum);
        }
    }

    @Test
    void aWorkflowMayNotStartWhenAToolItCallsWentOrChangedIncompatibly() {
        java.util.Map<String, String> tools = java.util.Map.of("text.words", "1.2.0");
        java.util.function.Function<String, ToolDescriptor> at = v -> ToolDescriptor.builder("text.words").version(v).build();
        assertEquals(null, WorkflowEngine.refusal("p-1", tools, n -> java.util.Optional.of(at.apply("1.3.0"))));
        assertEquals("ENOSYS: p-1 calls text.words 1.2.0, which is not in the syscall table now (installed again, the "
                + "workflow can start)", WorkflowEngine.refusal("p-1", tools, n -> java.util.Optional.empty()));
        assertTrue(WorkflowEngine.refusal("p-1", tools, n -> java.util.Optional.of(at.apply("2.0.0")))
                .startsWith("EINVAL: p-1 was compiled against text.words 1.2.0, which is 2.0.0 now"));
        assertTrue(WorkflowEngine.compatible("0.1.0", "0.1.7"));
        assertTrue(!WorkflowEngine.compatible("0.1.0", "0.2.0"), "0.x: a minor version may break");
    }

    @Test
    void tryWithResourcesPassesThoughJavacCompilesItToACatchOfThrowable() throws Exception {
        String src = """
                import com.fasterxml.jackson.databind.JsonNode;
                import org.agentos.agent.dsl.tools.*;

                public class Closing {
                    static final class Section implements AutoCloseable {
                        final StringBuilder log;

                        Section(StringBuilder log) {
                            this.log = log.append("open ");
                        }

                        @Override
                        public void close() {
                            log.append("close");
                        }
                    }

                    public String run(Tools tools, JsonNode in) {
                        StringBuilder log = new StringBuilder();
                        try (Section s = new Section(log)) {
                            log.append("work ");
                        }
                        return log.toString();
                    }
                }
                """;
        WorkflowCheck c = check(src);
        assertTrue(c.ok(), problems(c));
        assertTrue(problems(check(src.replace("try (Section s = new Section(log)) {", "try (Section s = new Section(log)) {} catch (Throwable t) {} {")))
                .contains("may not catch java.lang.Throwable"), "a catch of Throwable in the source is still refused");
    }
}
