package org.agentos.tools.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tools behind the real kernel's mediation path: schema validation, capabilities, errno mapping, uninstall. */
class KernelMediationTest {
    private static final String PEOPLE = "name,age\nalice,30\nbob,25\n";

    /** A process that sleeps for a day on its first step: something to make calls on behalf of. */
    static final class Sleeper implements Program<Sleeper.State> {
        record State(boolean asleep) {}

        @Override
        public String name() {
            return "sleeper";
        }

        @Override
        public Class<State> stateType() {
            return State.class;
        }

        @Override
        public State init(JsonNode args) {
            return new State(false);
        }

        @Override
        public Step<State> step(State state, SyscallResult last) {
            return state.asleep() ? Step.exit(state, 0) : Step.call(new State(true), "proc.sleep", Args.of("ms", 86_400_000));
        }
    }

    private Kernel kernel;
    private long pid;

    @BeforeEach
    void boot() throws SyscallException {
        kernel = new Kernel(new LinuxHal(), KernelSettings.defaults(null).withWorkers(1));
        kernel.start();
        assertTrue(kernel.addTool(new CsvQuery(), "test"), "csv.query's schema compiles in the kernel");
        assertTrue(kernel.addTool(new TextStats(), "test"), "text.stats's schema compiles in the kernel");
        kernel.addProgram(new Sleeper(), "test");
        pid = kernel.spawn(SpawnSpec.of("sleeper", null));
    }

    @AfterEach
    void shutdown() {
        kernel.stop();
    }

    private SyscallResult csvQuery(Object... args) {
        return kernel.call(pid, "csv.query", Args.of(args));
    }

    private static void assertEinval(SyscallResult r, String expectedInMessage) {
        assertEquals(Errno.EINVAL, r.errno(), r.toString());
        assertTrue(r.message().contains(expectedInMessage), r.message());
    }

    @Test
    void goodCallSucceeds() {
        SyscallResult r = csvQuery("csv", PEOPLE, "where",
                Args.none().arrayNode().add(Args.of("column", "age", "op", "<", "value", 30)));
        assertTrue(r.isOk(), r.toString());
        assertEquals("[[\"bob\",\"25\"]]", r.value().path("rows").toString());
    }

    @Test
    void missingRequiredArgumentIsRefusedBySchema() {
        assertEinval(kernel.call(pid, "csv.query", Args.of("limit", 5)), "args.csv is required");
    }

    @Test
    void wrongTypeIsRefusedBySchema() {
        assertEinval(csvQuery("csv", 42), "args.csv must be a string");
    }

    @Test
    void unknownArgumentIsRefusedBySchema() {
        assertEinval(csvQuery("csv", PEOPLE, "sql", "select *"), "args.sql is not a known argument");
    }

    @Test
    void limitOutOfRangeIsRefusedBySchema() {
        assertEinval(csvQuery("csv", PEOPLE, "limit", 0), "args.limit must be at least 1");
        assertEinval(csvQuery("csv", PEOPLE, "limit", 10_001), "args.limit must be at most 10000");
    }

    @Test
    void unknownOperatorIsRefusedBySchema() {
        SyscallResult r = csvQuery("csv", PEOPLE, "where",
                Args.none().arrayNode().add(Args.of("column", "age", "op", "like", "value", "3%")));
        assertEinval(r, "args.where[0].op must be one of");
    }

    @Test
    void textStatsTopOutOfRangeIsRefusedBySchema() {
        assertEinval(kernel.call(pid, "text.stats", Args.of("text", "hi", "top", 101)), "args.top must be at most 100");
    }

    @Test
    void toolErrorReachesTheCallerAsItsErrnoAndMessage() {
        SyscallResult r = csvQuery("csv", PEOPLE, "select", Args.none().arrayNode().add("town"));
        assertEquals(Errno.EINVAL, r.errno());
        assertEquals("no column 'town' (columns: name, age)", r.message());
    }

    @Test
    void exampleWaitIsRefusedWithoutItsCapability() {
        assertTrue(kernel.addTool(new ExampleWait(), "test"));
        SyscallResult r = kernel.call(pid, "example.wait", Args.of("ms", 0));
        assertEquals(Errno.EPERM, r.errno(), r.toString());
    }

    @Test
    void uninstallingExampleWaitDuringACallEndsTheCallWithEnosys() throws Exception {
        ExampleWait wait = new ExampleWait();
        CountDownLatch inFlight = new CountDownLatch(1);
        Tool watched = new Tool() {
            @Override
            public ToolDescriptor descriptor() {
                return wait.descriptor();
            }

            @Override
            public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
                inFlight.countDown();
                return wait.call(ctx, args);
            }
        };
        assertTrue(kernel.addTool(watched, "test"));
        long caller = kernel.spawn(new SpawnSpec("sleeper", null, null, 0, List.of("proc:*", "tool:example.wait"), null));
        CompletableFuture<SyscallResult> result = new CompletableFuture<>();
        Thread t = new Thread(() -> result.complete(kernel.call(caller, "example.wait", Args.of("ms", 60_000))),
                "caller-of-example.wait");
        t.start();
        assertTrue(inFlight.await(10, TimeUnit.SECONDS), "the call reached the tool");

        kernel.removeTool(watched);

        SyscallResult r = result.get(10, TimeUnit.SECONDS);
        assertEquals(Errno.ENOSYS, r.errno(), r.toString());
        t.join(10_000);
    }
}
