package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Workflows in the real distribution: javac inside Karaf against the stubs of the live syscall
 * table (the VFS's fs.* tools included), dsl:check's problems as file:line:column, dsl:run
 * spawning a checked workflow that writes a file, and refusing one that needs more capabilities.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DslIT extends KarafTestSupport {
    @Inject
    protected ProcessManager processes;

    private static final String GOOD = """
            import org.agentos.agent.dsl.tools.*;

            public class Report {
                public record Input(String who, int lines) {}

                public String run(Tools tools, Input in) {
                    StringBuilder text = new StringBuilder();
                    for (int i = 1; i <= in.lines(); i++) text.append(in.who()).append(" line ").append(i).append('\\n');
                    tools.fsWrite("/home/root/report.txt", new FsWriteOptions().text(text.toString()));
                    return "wrote " + in.lines() + " lines";
                }
            }
            """;

    private static String file(String name, String source) throws Exception {
        Path dir = Files.createTempDirectory("dsl-it");
        Path f = dir.resolve(name);
        Files.writeString(f, source, StandardCharsets.UTF_8);
        return f.toString();
    }

    @Test
    public void checkReportsProblemsAsFileLineColumn() throws Exception {
        String bad = file("bad.java", """
                import com.fasterxml.jackson.databind.JsonNode;
                import org.agentos.agent.dsl.tools.*;

                public class Bad {
                    public String run(Tools tools, JsonNode in) {
                        tools.fsWrite(42);
                        tools.fsSummon("/x");
                        return "t=" + System.currentTimeMillis();
                    }
                }
                """);
        String out = refused(operator(), "dsl:check " + bad, "EINVAL");
        assertTrue(out, out.contains("bad.java:6:23: error: incompatible types: int cannot be converted to java.lang.String"));
        assertTrue(out, out.contains("bad.java:8:23: refused: java.lang.System is not available to workflows"));
        assertTrue(out, out.contains("bad.java:7:14: error: cannot find symbol"));
        String good = executeCommand("dsl:check -c 'fs:*:/home/root/**' " + file("report.java", GOOD));
        assertTrue(good, good.contains("ok: class Report, program report-"));
        assertTrue(good, good.contains("needs: fs:write:/home/root/report.txt"));
    }

    @Test
    public void runSpawnsACheckedWorkflowAndRefusesOneThatNeedsMore() throws Exception {
        String f = file("report.java", GOOD);
        String refusedRun = refused(operator(), "dsl:run " + f + " '{\"who\":\"ada\",\"lines\":2}'", "EINVAL");
        assertTrue(refusedRun, refusedRun.contains("missing: fs:write:/home/root/report.txt"));

        long pid = spawn("dsl:run -c 'fs:*:/home/root/**' " + f + " '{\"who\":\"ada\",\"lines\":2}'");
        ExitStatus s = processes.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(s.reason(), 0, s.code());
        assertEquals("wrote 2 lines", s.reason());
        assertEquals("ada line 1\nada line 2\n", executeCommand("vfs:cat /home/root/report.txt"));
        String list = executeCommand("dsl:list");
        assertTrue(list, list.contains("report-") && list.contains("fs.write"));
        String stubs = executeCommand("dsl:stubs fs.write");
        assertTrue(stubs, stubs.contains("public FsWriteResult fsWrite(String path)"));
    }

    /**
     * A tool bundle installed at runtime: its tools are in the stubs and a workflow may call them;
     * uninstalled, a new process of that workflow is refused at spawn naming the tool; back, it runs.
     */
    @Test
    public void toolsOfABundleInstalledAtRuntimeComeAndGoFromTheStubs() throws Exception {
        String f = file("stats.java", """
                import org.agentos.agent.dsl.tools.*;

                public class Stats {
                    public String run(Tools tools, com.fasterxml.jackson.databind.JsonNode in) {
                        TextStatsResult r = tools.textStats("one two three");
                        return r.words() + " words";
                    }
                }
                """);
        String before = refused(operator(), "dsl:check " + f, "EINVAL");
        assertTrue(before, before.contains("stats.java:5:34: error: cannot find symbol; symbol:   method textStats"));
        executeCommand("feature:install agentos-tools-example", Duration.ofSeconds(60));
        try {
            waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), Duration.ofSeconds(60), "text.stats");
            assertTrue(executeCommand("dsl:stubs text.stats").contains("public Long words()"));
            long pid = spawn("dsl:run " + f);
            ExitStatus s = processes.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals("3 words", s.reason());
            String program = processes.info(pid).map(i -> i.program()).orElseThrow();

            executeCommand("feature:uninstall agentos-tools-example", Duration.ofSeconds(60));
            waitFor(() -> !executeCommand("tool:list text.").contains("text.stats"), Duration.ofSeconds(60), "text.stats gone");
            String refused = refused(operator(), "agent:spawn " + program, "EINVAL");
            assertTrue(refused, refused.contains("ENOSYS: " + program + " calls text.stats 1.0.0, which is not in the syscall table"));

            executeCommand("feature:install agentos-tools-example", Duration.ofSeconds(60));
            waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), Duration.ofSeconds(60), "text.stats back");
            long again = spawn("agent:spawn " + program);
            assertEquals("3 words", processes.awaitExit(again).toCompletableFuture().get(60, TimeUnit.SECONDS).reason());
        } finally {
            executeCommand("feature:uninstall agentos-tools-example", Duration.ofSeconds(60));
        }
    }

    /**
     * An agent writes a workflow and starts it: dsl.check tells it the problems of a wrong one;
     * dsl.spawn starts a right one as its child, with at most its capabilities. The source can
     * also be a file in the agents' filesystem (vfs:).
     */
    @Test
    public void agentsCheckAndSpawnWorkflowsThroughSyscalls() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode check = json.createObjectNode().put("syscall", "dsl.check");
        check.putObject("args").put("source", GOOD.replace("fsWrite(", "fsWrites(")).put("file", "mine.java");
        ExitStatus c = processes.awaitExit(processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("call", check,
                "root", 0, java.util.List.of("fs:*:/home/root/**"), null))).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(c.reason(), 0, c.code());
        assertTrue(c.reason(), c.reason().contains("\"ok\":false") && c.reason().contains("\"file\":\"mine.java\",\"line\":9"));

        com.fasterxml.jackson.databind.node.ObjectNode spawn = json.createObjectNode().put("syscall", "dsl.spawn");
        spawn.putObject("args").put("source", GOOD).putObject("args").put("who", "bo").put("lines", 1);
        ExitStatus s = processes.awaitExit(processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("call", spawn,
                "root", 0, java.util.List.of("dsl:spawn", "proc:spawn", "fs:*:/home/root/**"), null)))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(s.reason(), 0, s.code());
        long child = json.readTree(s.reason()).path("pid").asLong();
        assertEquals("wrote 1 lines", processes.awaitExit(child).toCompletableFuture().get(60, TimeUnit.SECONDS).reason());

        ExitStatus denied = processes.awaitExit(processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("call", spawn,
                "root", 0, java.util.List.of("proc:spawn", "fs:*:/home/root/**"), null))).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertTrue(denied.reason(), denied.reason().startsWith("EPERM") && denied.reason().contains("dsl:spawn"));

        com.fasterxml.jackson.databind.node.ObjectNode write = json.createObjectNode().put("syscall", "fs.write");
        write.putObject("args").put("path", "/home/root/flows/report.java").put("text", GOOD);
        assertEquals(0, processes.awaitExit(processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("call", write,
                "root", 0, java.util.List.of("fs:*:/home/root/**"), null))).toCompletableFuture().get(60, TimeUnit.SECONDS).code());
        String viaVfs = executeCommand("dsl:check -c 'fs:*:/home/root/**' vfs:/home/root/flows/report.java");
        assertTrue(viaVfs, viaVfs.contains("ok: class Report"));
    }

    /** The example workflows of etc/workflows are in the agents' filesystem after the first boot, pass their check and run. */
    @Test
    public void theShippedExamplesAreInTheVfsPassTheirCheckAndRun() throws Exception {
        waitFor(() -> executeCommand("vfs:ls /home/root/workflows").contains("pipeline.java"), Duration.ofSeconds(60),
                "the examples copied at first boot");
        String[][] examples = {
                {"research.java", "-c 'fs:*:/home/root/**'"},
                {"fanout.java", "-c proc:spawn -c 'fs:*:/home/root/**'"},
                {"pipeline.java", "-c proc:spawn -c 'ipc:*:pipe-*'"}};
        for (String[] e : examples) {
            String out = executeCommand("dsl:check " + e[1] + " vfs:/home/root/workflows/" + e[0]);
            assertTrue(e[0] + ": " + out, out.contains("ok: class"));
        }

        long pipe = spawn("dsl:run -c proc:spawn -c 'ipc:*:pipe-*' vfs:/home/root/workflows/pipeline.java '{\"count\":20}'");
        ExitStatus p = processes.awaitExit(pipe).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(p.reason(), 0, p.code());
        assertTrue(p.reason(), p.reason().startsWith("summed 20 jobs: 210 (sent 20 jobs to pipe-"));

        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String f : new String[] {"/home/root/src/a/one.txt", "/home/root/src/b/two.txt"}) {
            com.fasterxml.jackson.databind.node.ObjectNode write = json.createObjectNode().put("syscall", "fs.write");
            write.putObject("args").put("path", f).put("text", "text of " + f);
            assertEquals(0, processes.awaitExit(processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("call", write,
                    "root", 0, java.util.List.of("fs:*:/home/root/**"), null))).toCompletableFuture().get(60, TimeUnit.SECONDS).code());
        }
        long fan = spawn("dsl:run -c proc:spawn -c 'fs:*:/home/root/**' vfs:/home/root/workflows/fanout.java "
                + "'{\"dir\":\"/home/root/src\",\"summary\":\"/home/root/reviews.md\"}'");
        ExitStatus f = processes.awaitExit(fan).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertEquals(f.reason(), 0, f.code());
        assertEquals("2 reviews into /home/root/reviews.md", f.reason());
        String reviews = executeCommand("vfs:cat /home/root/reviews.md");
        assertTrue(reviews, reviews.contains("(exit 0): reviewed 1 files into /home/root/src/a.review.md")
                && reviews.contains("(exit 0): reviewed 1 files into /home/root/src/b.review.md"));
    }

    /**
     * The planner asks a model for a workflow, sends it the checker's findings, and runs the one
     * that passes. The model is scripted (a tool this test registers): first a workflow calling a
     * tool that does not exist, then one with a wrong argument type,
     * then one that needs a capability the planner lacks, then a right one.
     */
    @Test
    public void thePlannerRepairsTheModelsWorkflowWithTheCheckersFindingsAndRunsIt() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        String unknownTool = "```java\n" + GOOD.replace("tools.fsWrite(", "tools.fsScribble(") + "```";
        String wrongType = "```java\n" + GOOD.replace("tools.fsWrite(\"/home/root/report.txt\"", "tools.fsWrite(42") + "```";
        String tooMuch = "```java\n" + GOOD.replace("/home/root/report.txt", "/etc/report.txt") + "```";
        String right = "Here it is, fixed:\n```java\n" + GOOD + "```\n";
        java.util.List<String> answers = java.util.List.of(unknownTool, wrongType, tooMuch, right);
        org.agentos.kernel.api.syscall.Tool model = new org.agentos.kernel.api.syscall.Tool() {
            @Override
            public org.agentos.kernel.api.syscall.ToolDescriptor descriptor() {
                return org.agentos.kernel.api.syscall.ToolDescriptor.builder("test.model")
                        .args(json.createObjectNode().put("type", "object"))
                        .resourceClass(org.agentos.kernel.api.syscall.ResourceClass.LLM).build();
            }

            @Override
            public com.fasterxml.jackson.databind.JsonNode call(org.agentos.kernel.api.syscall.ToolContext ctx,
                                                                com.fasterxml.jackson.databind.JsonNode args) {
                requests.add(args.toString());
                com.fasterxml.jackson.databind.node.ObjectNode r = json.createObjectNode();
                r.putObject("message").put("role", "assistant").put("content", answers.get(Math.min(requests.size(), answers.size()) - 1));
                return r;
            }
        };
        org.osgi.framework.ServiceRegistration<?> reg = bundleContext.registerService(
                org.agentos.kernel.api.syscall.Tool.class, model, null);
        try {
            waitFor(() -> executeCommand("tool:list test.").contains("test.model"), Duration.ofSeconds(30), "the model tool");
            com.fasterxml.jackson.databind.node.ObjectNode in = json.createObjectNode()
                    .put("goal", "write two lines for cy to /home/root/report.txt").put("llm", "test.model").put("maxRounds", 4);
            in.putArray("tools").add("fs.write");
            in.putObject("args").put("who", "cy").put("lines", 2);
            long pid = processes.spawn(new org.agentos.kernel.api.process.SpawnSpec("planner", in, "root", 0,
                    java.util.List.of("dsl:spawn", "proc:spawn", "fs:*:/home/root/**"), null));
            ExitStatus s = processes.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(s.reason(), 0, s.code());
            assertTrue(s.reason(), s.reason().matches("workflow report-[0-9a-f]{8} \\(round 4, pid \\d+\\) exited 0: wrote 2 lines"));
            assertEquals(4, requests.size());
            assertTrue(requests.get(0), requests.get(0).contains("public FsWriteResult fsWrite(String path)"));
            assertTrue(requests.get(1), requests.get(1).contains("did not pass its check")
                    && requests.get(1).contains("workflow-1.java:9:") && requests.get(1).contains("cannot find symbol"));
            assertTrue(requests.get(2), requests.get(2).contains("workflow-2.java:9:")
                    && requests.get(2).contains("int cannot be converted to java.lang.String"));
            assertTrue(requests.get(3), requests.get(3).contains("workflow-3.java:9:")
                    && requests.get(3).contains("fs.write needs capability 'fs:write:/etc/report.txt'"));
            assertEquals("cy line 1\ncy line 2\n", executeCommand("vfs:cat /home/root/report.txt"));
        } finally {
            reg.unregister();
        }
    }
}
