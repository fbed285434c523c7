package org.agentos.image.oci.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.image.oci.tools.ProcCheckpoint;
import org.agentos.image.oci.tools.ProcRestore;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proc.checkpoint and proc.restore from agents: a supervisor keeps a golden copy of itself and of a
 * child, restores them as its children, never with more than it holds.
 */
class AgentImageCallsTest {
    @TempDir
    Path dir;

    /** The results each script got, by its "id". */
    static final Map<String, List<SyscallResult>> RESULTS = new ConcurrentHashMap<>();

    /**
     * Makes the calls in its "calls" argument one after the other; a call's args may name
     * {"$pid": "<id>#<n>"}: the pid in the n-th result of script id. Exits with its last result.
     */
    static Program<JsonNode> script() {
        return new Program<>() {
            @Override
            public String name() {
                return "script";
            }

            @Override
            public Class<JsonNode> stateType() {
                return JsonNode.class;
            }

            @Override
            public JsonNode init(JsonNode a) {
                return ((ObjectNode) a.deepCopy()).put("i", 0);
            }

            @Override
            public Step<JsonNode> step(JsonNode s, SyscallResult last) {
                int i = s.get("i").asInt();
                if (last != null && last.isOk() && last.value().path("restored").asBoolean(false)) {
                    // a copy restored from an image of the script: it records nothing in the original's results
                    return Step.exit(s, 0, "I am the copy of " + last.value().path("origin").asLong());
                }
                if (last != null) RESULTS.computeIfAbsent(s.get("id").asText(), x -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(last);
                if (i >= s.get("calls").size()) return Step.exit(s, 0, String.valueOf(last));
                JsonNode c = s.get("calls").get(i);
                ObjectNode args = (ObjectNode) c.get("args").deepCopy();
                if (args.has("pidOfResult")) { // the pid a former call of this script answered
                    int n = args.remove("pidOfResult").asInt();
                    args.put("pid", RESULTS.get(s.get("id").asText()).get(n).value().path("pid").asLong());
                }
                return Step.call(((ObjectNode) s.deepCopy()).put("i", i + 1), c.get("syscall").asText(), args);
            }
        };
    }

    private static ObjectNode call(String syscall, Object... args) {
        return Args.of("syscall", syscall, "args", Args.of(args));
    }

    private static long run(Installation in, String id, List<String> caps, ObjectNode... calls) throws SyscallException {
        ArrayNode list = Args.none().arrayNode();
        for (ObjectNode c : calls) list.add(c);
        return in.kernel.spawn(new SpawnSpec("script", Args.of("id", id, "calls", list), "alice", 0, caps, null));
    }

    private Installation installation() throws Exception {
        Installation in = new Installation(dir.resolve("a"));
        in.images.setAgentImages(dir.resolve("images"));
        in.kernel.addProgram(script(), "test");
        in.kernel.addTool(new ProcCheckpoint(in.images, in.kernel), "image.oci");
        in.kernel.addTool(new ProcRestore(in.images), "image.oci");
        return in;
    }

    @Test
    void aSupervisorKeepsAGoldenCopyOfItselfAndOfAChildAndStartsThemAgain() throws Exception {
        RESULTS.clear();
        try (Installation in = installation()) {
            List<String> caps = List.of("proc:*");
            long keeper = run(in, "keeper", caps,
                    call("proc.checkpoint", "name", "golden", "tag", "self"),
                    call("proc.spawn", "program", "summer", "args", Args.of("limit", 1)),
                    call("proc.checkpoint", "pidOfResult", 1, "name", "child"),
                    call("proc.restore", "name", "golden", "tag", "self"),
                    call("proc.restore", "name", "child"),
                    call("proc.sleep", "ms", 60_000)); // its children stay its own while we look
            Installation.await("the keeper's five calls", () -> RESULTS.getOrDefault("keeper", List.of()).size() >= 5);
            List<SyscallResult> r = RESULTS.get("keeper");
            assertFalse(r.get(0).value().path("restored").asBoolean(), "the original is told it is the original: " + r.get(0));
            assertTrue(r.get(0).value().path("digest").asText().startsWith("sha256:"), r.get(0).toString());
            assertTrue(r.get(2).isOk(), "a child's image: " + r.get(2));
            assertTrue(r.get(3).isOk() && r.get(4).isOk(), "restored: " + r);
            long selfCopy = r.get(3).value().path("pid").asLong();
            long childCopy = r.get(4).value().path("pid").asLong();
            assertEquals("I am the copy of " + keeper, in.exit(selfCopy).reason(), "the copy is told it is the copy");
            assertEquals(keeper, in.kernel.info(childCopy).orElseThrow().ppid(), "restored as the caller's child");
            in.send(childCopy, 7);
            assertEquals("sum=7", in.exit(childCopy).reason());
            in.kernel.kill(keeper);
        }
    }

    @Test
    void anAgentCheckpointsOnlyItselfAndItsChildrenAndRestoresWithNoMoreThanItHolds() throws Exception {
        RESULTS.clear();
        try (Installation in = installation()) {
            long stranger = in.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of(), null));
            long nosy = run(in, "nosy", List.of("proc:*"), call("proc.checkpoint", "pid", stranger, "name", "stolen"));
            in.exit(nosy);
            assertEquals(Errno.EPERM, RESULTS.get("nosy").get(0).errno(), RESULTS.get("nosy").toString());
            // an image of a process with fs capabilities, restored by one without them
            long rich = run(in, "rich", List.of("proc:*", "fs:*:/home/alice/**"), call("proc.checkpoint", "name", "rich"));
            in.exit(rich);
            long poor = run(in, "poor", List.of("proc:*"), call("proc.restore", "name", "rich"),
                    call("proc.restore", "name", "rich", "caps", Args.none().arrayNode().add("proc:spawn")));
            in.exit(poor);
            List<SyscallResult> r = RESULTS.get("poor");
            assertEquals(Errno.EPERM, r.get(0).errno(), r.toString());
            assertTrue(r.get(0).message().contains("fs:*:/home/alice/**"), r.get(0).message());
            assertTrue(r.get(1).isOk(), "narrowed to what it holds: " + r.get(1));
            assertEquals(List.of("proc:spawn"), in.kernel.info(r.get(1).value().path("pid").asLong()).orElseThrow().capabilities());
            // without the capability, not at all
            long none = run(in, "none", List.of(), call("proc.checkpoint", "name", "x"));
            in.exit(none);
            assertEquals(Errno.EPERM, RESULTS.get("none").get(0).errno());
        }
    }

    @Test
    void aRestoreMadeAgainAfterACrashAnswersTheChildItMade() throws Exception {
        RESULTS.clear();
        try (Installation in = installation()) {
            long keeper = run(in, "k", List.of("proc:*"), call("proc.checkpoint", "name", "golden"));
            in.exit(keeper);
            long parent = in.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of("proc:*"), null));
            ToolContext ctx = new ToolContext() {
                public long pid() { return parent; }
                public String owner() { return "alice"; }
                public boolean permits(String c) { return true; }
                public void chargeBytes(long b) { }
                public void chargeTokens(long t) { }
                public String callId() { return parent + ":7"; }
            };
            ProcRestore restore = new ProcRestore(in.images);
            long first = restore.call(ctx, Args.of("name", "golden")).path("pid").asLong();
            long again = restore.call(ctx, Args.of("name", "golden")).path("pid").asLong();
            assertEquals(first, again, "the same call id: the child made the first time");
        }
    }
}
