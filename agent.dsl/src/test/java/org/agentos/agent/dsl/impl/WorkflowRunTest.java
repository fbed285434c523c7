package org.agentos.agent.dsl.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.runtime.impl.AgentRuntime;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A checked workflow runs as an agent of the runtime: typed input, its tools as syscalls, failures as errnos. */
class WorkflowRunTest {
    private Kernel kernel;
    private AgentRuntime runtime;
    private WorkflowEngine engine;

    @BeforeEach
    void start() {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2).withStepTimeoutMillis(500));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        runtime = new AgentRuntime(8, 0, 100_000);
        kernel.setEventSink((topic, props) -> {
            if (Kernel.TOPIC_EXITED.equals(topic)) runtime.processEnded((Long) props.get("pid"));
        });
        kernel.start();
        engine = new WorkflowEngine(null, kernel::descriptors, WorkflowRunTest.class.getClassLoader());
    }

    @AfterEach
    void stop() {
        kernel.stop();
        runtime.close();
    }

    private ExitStatus run(String source, Object input, String... caps) throws Exception {
        WorkflowEngine.Entry e = engine.check("w.java", source, List.of(caps));
        WorkflowCheck c = e.check();
        assertTrue(c.ok(), c.problems().toString());
        kernel.addProgram(runtime.program(new WorkflowAgent(c.program(), "test", e.compiled(), e.stubs())), "test");
        long pid = kernel.spawn(new SpawnSpec(c.program(), new ObjectMapper().valueToTree(input), null, 0, List.of(caps), null));
        return kernel.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void aWorkflowWithARecordInputMakesItsCallsAsSyscallsOfItsProcess() throws Exception {
        String source = """
                import org.agentos.agent.dsl.tools.*;

                public class Napper {
                    public record Input(int naps, String who) {}

                    public String run(Tools tools, Input in) {
                        for (int i = 0; i < in.naps(); i++) tools.procSleep(1);
                        long pid = tools.procGetpid().json().path("pid").asLong();
                        return in.who() + " napped " + in.naps() + " times as pid " + pid;
                    }
                }
                """;
        ExitStatus x = run(source, Args.of("naps", 3, "who", "ada"));
        assertEquals(0, x.code(), x.reason());
        assertTrue(x.reason().startsWith("ada napped 3 times as pid "), x.reason());
    }

    @Test
    void aFailedToolCallIsASyscallFailureTheWorkflowMayCatch() throws Exception {
        String source = """
                import com.fasterxml.jackson.databind.JsonNode;
                import org.agentos.agent.runtime.SyscallFailure;
                import org.agentos.agent.dsl.tools.*;

                public class Creator {
                    public String run(Tools tools, JsonNode in) {
                        try {
                            tools.ipcCreate(in.path("queue").asText());
                            return "created";
                        } catch (SyscallFailure f) {
                            return "refused: " + f.errno();
                        }
                    }
                }
                """;
        ExitStatus x = run(source, Args.of("queue", "jobs"), "ipc:create:mine-*");
        assertEquals(0, x.code(), x.reason());
        assertEquals("refused: EPERM", x.reason(), "ipc:create:{queue} with a queue known only at run time: checked at the call");
    }

    @Test
    void aWorkflowWithARecordInputCanBeSpawnedManyTimes() throws Exception {
        String source = """
                import org.agentos.agent.dsl.tools.*;

                public class Echo {
                    public record Input(String word) {}

                    public String run(Tools tools, Input in) {
                        return in.word();
                    }
                }
                """;
        WorkflowEngine.Entry e = engine.check("echo.java", source, List.of());
        kernel.addProgram(runtime.program(new WorkflowAgent(e.check().program(), "test", e.compiled(), e.stubs())), "test");
        // past the JVM's reflection inflation threshold (15): its generated accessors load through the workflow's loader
        for (int i = 0; i < 40; i++) {
            long pid = kernel.spawn(new SpawnSpec(e.check().program(), Args.of("word", "w" + i), null, 0, List.of(), null));
            assertEquals("w" + i, kernel.awaitExit(pid).toCompletableFuture().get(20, TimeUnit.SECONDS).reason());
        }
    }

    @Test
    void aLoopWithoutSyscallsIsEndedByTheWatchdogAndFreesItsThread() throws Exception {
        String source = """
                import com.fasterxml.jackson.databind.JsonNode;
                import org.agentos.agent.dsl.tools.*;

                public class Spin {
                    public String run(Tools tools, JsonNode in) {
                        long x = 0;
                        while (true) {
                            x++;
                            if (x < 0) return "never";
                        }
                    }
                }
                """;
        ExitStatus x = run(source, Args.none());
        assertTrue(x.code() != 0, "the watchdog ended it: " + x);
        String thread = "agent-run pid ";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(thread))) {
            if (System.nanoTime() > end) throw new AssertionError("the spinning workflow still holds its thread");
            Thread.sleep(10);
        }
    }
}
