package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.itests.UnpackedDistribution.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The user's path end to end: unpack the distribution, start it with {@code bin/start}, drive it
 * with {@code bin/agentos-console} (the README's way to run console commands), stop it with
 * {@code bin/stop}, start it again, and see the processes continue from their last step.
 * Runs on free ports, so a running Agent OS is never disturbed.
 */
class DistributionRestartIT {
    private static final Pattern SPAWNED = Pattern.compile("spawned pid (\\d+)");
    private static final Pattern STEPS = Pattern.compile("steps (\\d+)");
    private static UnpackedDistribution agentos;
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        agentos = UnpackedDistribution.unpack("restart-it");
        home = agentos.home;
        startModel();
        start();
    }

    /** A fake OpenAI-compatible model that llm.chat is configured to before the first start (see the LLM test). */
    private static com.sun.net.httpserver.HttpServer model;
    private static final java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Turn 1 asks for ipc.recv of the agent's mailbox; once a tool result is in the conversation
     * it answers. Started before Karaf so that llm.chat has its address from the first start.
     */
    private static void startModel() throws IOException {
        model = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        model.createContext("/v1/chat/completions", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            requests.add(body);
            String message = body.contains("\"role\":\"tool\"")
                    ? "{\"role\":\"assistant\",\"content\":\"the mail said hello\"},\"finish_reason\":\"stop\""
                    : "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"ipc__recv\",\"arguments\":\"{\\\"timeoutMs\\\":600000}\"}}]},"
                    + "\"finish_reason\":\"tool_calls\"";
            byte[] reply = ("{\"model\":\"fake\",\"choices\":[{\"index\":0,\"message\":" + message + "}],"
                    + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, reply.length);
            try (java.io.OutputStream out = ex.getResponseBody()) {
                out.write(reply);
            }
        });
        model.start();
        agentos.setProperty("etc/org.agentos.tools.llm.cfg", "baseUrl", "http://127.0.0.1:" + model.getAddress().getPort() + "/v1");
        agentos.setProperty("etc/org.agentos.tools.llm.cfg", "stream", false);
    }

    @AfterAll
    static void stopAndClean() throws Exception {
        if (model != null) model.stop(0);
        if (agentos == null) return;
        stop();
    }

    @Test
    void processesContinueFromTheirLastStepAfterKarafRestarts() throws Exception {
        long counter = spawned(console("agent:spawn -o restart counter '{\"limit\":100000,\"sleepMs\":20}'"));
        long paused = spawned(console("agent:spawn -o restart counter '{\"sleepMs\":20}'"));
        waitUntil("the counter to make progress", () -> steps(counter) >= 20);
        console("agent:pause " + paused);
        waitUntil("the pause", () -> console("agent:info " + paused).contains("state        PAUSED"));
        long demoBefore = countLines(console("agent:ps -n 100000 -o demo-alice"));
        stop();
        start();
        long stepsAfterRestart = steps(counter);
        String info = console("agent:info " + counter);
        assertTrue(info.contains("owner        restart"), info);
        assertTrue(stepsAfterRestart >= 20, "usage was kept: " + info);
        waitUntil("the counter to go on", () -> steps(counter) > stepsAfterRestart + 10);
        assertTrue(console("agent:info " + paused).contains("state        PAUSED"), "a paused process stays paused");
        assertEquals(demoBefore, countLines(console("agent:ps -n 100000 -o demo-alice")),
                "the demo is restored, not spawned a second time");
        String audit = console("kernel:audit -n 10000 -p " + counter + " --name spawn");
        assertTrue(audit.contains("lifecycle pid=" + counter + " spawn"), "audit from before the restart is kept: " + audit);
    }

    @Test
    void aDurableQueueAndAnAgentsMemoryKeepEveryAcknowledgedWriteWhenKarafIsKilled() throws Exception {
        console("ipc:create --durable -d at-least-once orders");
        for (int i = 1; i <= 3; i++) console("ipc:send orders '{\"order\":" + i + "}'");
        console("ipc:create -d at-least-once scratch"); // in memory: gone after the crash
        long keeper = spawned(console("agent:spawn -o restart remember '{\"notes\":{\"goal\":\"survive\"}}'"));
        waitUntil("its note to be written",
                () -> run(home, Duration.ofSeconds(60), "bin/agentos-console", "mem:ls user/" + keeper).output().contains("goal"));
        assertTrue(console("ipc:queues").contains("at-least-once+durable"), "ipc:queues shows the durable queue");
        killKaraf();
        start();
        String peek = console("ipc:peek orders");
        for (int i = 1; i <= 3; i++) assertTrue(peek.contains("{\"order\":" + i + "}"), "message " + i + " survived: " + peek);
        assertTrue(console("ipc:queues").lines().noneMatch(l -> l.startsWith("scratch ")), "the in-memory queue did not");
        assertTrue(console("mem:get user/" + keeper + " goal").contains("\"survive\""),
                "the agent's memory (a persistent user space) survived the crash with it");
    }

    /**
     * Calls of a bundle's tool across a clean stop and a kill -9: at the stop the tool's bundle
     * goes before the kernel, at the start it comes after it. Neither may end the call with
     * ENOSYS; the call is made again after the restart and the agent ends as if nothing happened.
     */
    @Test
    void callsOfABundlesToolSurviveACleanRestartAndAKill9() throws Exception {
        console("feature:install agentos-tools-example");
        waitUntil("example.wait in the syscall table", () -> console("tool:list").contains("example.wait"));
        long acrossStop = spawned(console("agent:spawn -o restart -c tool:example.wait call "
                + "'{\"syscall\":\"example.wait\",\"args\":{\"ms\":8000}}'"));
        waitUntil("its call to be in flight", () -> console("agent:info " + acrossStop).contains("waiting on   example.wait"));
        stop(); // longer than the 5 s the kernel waits for calls in flight at a shutdown
        start();
        long acrossKill = spawned(console("agent:spawn -o restart -c tool:example.wait call "
                + "'{\"syscall\":\"example.wait\",\"args\":{\"ms\":3000}}'"));
        waitUntil("its call to be in flight", () -> console("agent:info " + acrossKill).contains("waiting on   example.wait"));
        // a process is on disk from the checkpoint after its spawn (every checkpointMillis, 500 ms here):
        // a kill -9 before that loses it, so the kill waits for that checkpoint
        waitUntil("its checkpoint", () -> checkpointed(acrossKill, "example.wait"));
        killKaraf();
        start();
        for (long pid : new long[] {acrossStop, acrossKill}) {
            String exit = console("agent:wait -t 60 " + pid);
            assertTrue(exit.contains("exited: code 0"), "pid " + pid + " made its call after the restart: " + exit);
            assertTrue(exit.contains("\"slept\""), exit);
        }
        String enosys = console("kernel:audit -n 100 --outcome ENOSYS");
        assertTrue(enosys.lines().noneMatch(l -> l.contains("pid=" + acrossStop + " ") || l.contains("pid=" + acrossKill + " ")),
                "no call ended with ENOSYS: " + enosys);
    }

    /**
     * An llm-agent thinking with an OpenAI-compatible model (a fake one in this JVM, reached by
     * llm.chat) is killed with Karaf in the middle of its conversation, while it waits for mail
     * the model told it to wait for. After the restart it goes on: the model is not asked again
     * for the turn it already answered, and its tokens are charged once.
     */
    @Test
    void anLlmAgentKilledMidConversationGoesOnWithoutAskingTheModelAgain() throws Exception {
        requests.clear();
        long pid = spawned(console("agent:spawn -o restart llm-agent '{\"goal\":\"wait for mail\","
                + "\"tools\":[\"ipc.recv\"],\"llm\":\"llm.chat\"}'"));
        try {
            waitUntil("the agent to wait for mail", () -> console("agent:info " + pid).contains("waiting on   ipc.recv"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + console("agent:info " + pid) + "\nmodel requests: " + requests
                    + "\n" + console("kernel:audit -n 30 -p " + pid), e);
        }
        // the kill comes after the checkpoint that holds the answered turn (a result given since the last
        // checkpoint is asked for again after a kill -9: exact recovery is the journal's work, docs/agents.md)
        waitUntil("its checkpoint", () -> checkpointed(pid, "\"callName\":\"ipc.recv\""));
        assertEquals(1, requests.size(), "one turn so far");
        killKaraf();
        start();
        console("ipc:send @" + pid + " hello");
        String exit = console("agent:wait -t 60 " + pid);
        assertTrue(exit.contains("exited: code 0") && exit.contains("the mail said hello"), exit);
        assertEquals(2, requests.size(), "the model saw each turn once: " + requests);
        assertTrue(requests.get(1).contains("hello"), "the mail went back to the model: " + requests.get(1));
        assertTrue(console("agent:info " + pid).contains("tokens 20"), "two turns of 10 tokens, charged once");
    }

    /**
     * A workflow (dsl:run) killed with Karaf while it waits for mail: after the restart its source
     * is compiled again, its process finds its program, replays what it had done and goes on.
     */
    @Test
    void aWorkflowKilledMidRunFinishesAfterTheRestart() throws Exception {
        Path file = Files.createTempDirectory("workflow").resolve("waiter.java");
        Files.writeString(file, """
                import org.agentos.agent.dsl.tools.*;

                public class Waiter {
                    public record Input(String out) {}

                    public String run(Tools tools, Input in) {
                        long pid = tools.procGetpid().json().path("pid").asLong();
                        String mail = tools.ipcRecv(new IpcRecvOptions().timeoutMs(600000)).json().toString();
                        tools.fsWrite(in.out(), new FsWriteOptions().text(mail));
                        return "pid " + pid + " got mail";
                    }
                }
                """);
        long pid = spawned(console("dsl:run -o restart -c 'fs:*:/home/restart/**' " + file
                + " '{\"out\":\"/home/restart/mail.txt\"}'"));
        waitUntil("the workflow to wait for mail", () -> console("agent:info " + pid).contains("waiting on   ipc.recv"));
        waitUntil("its checkpoint", () -> checkpointed(pid, "\"callName\":\"ipc.recv\""));
        killKaraf();
        start();
        console("ipc:send @" + pid + " hello");
        String exit = console("agent:wait -t 60 " + pid);
        assertTrue(exit.contains("exited: code 0") && exit.contains("pid " + pid + " got mail"), exit);
        assertTrue(console("vfs:cat /home/restart/mail.txt").contains("hello"));
    }

    /**
     * Exact recovery under a mixed load: ledger agents (a locked critical section writing a file,
     * memory, a durable queue and asking llm.sim each round) are killed with Karaf three times.
     * Afterwards every file line, message and memory write is there once, the critical sections
     * never overlapped (the lock was held by the same process after each restart), and each
     * process's journal has each model call once.
     */
    @Test
    void ledgersKilledThreeTimesMakeEachEffectOnceAndKeepTheirLock() throws Exception {
        int agents = 4;
        int rounds = 12;
        long[] pids = new long[agents];
        for (int a = 0; a < agents; a++) {
            pids[a] = spawned(console("agent:spawn -o ledger -c 'fs:*:/home/ledger/**' -c 'mem:share:ledger' "
                    + "-c 'mem:write:shared/ledger' -c 'ipc:*:ledger' ledger '{\"dir\":\"/home/ledger\",\"rounds\":"
                    + rounds + ",\"sleepMs\":100}'"));
        }
        for (int kill = 1; kill <= 3; kill++) {
            int before = ledgerLines().size();
            waitUntil("more rounds before kill " + kill, () -> ledgerLines().size() >= Math.min(before + 6, agents * rounds * 2 - 4));
            killKaraf();
            start();
        }
        for (long pid : pids) {
            String exit = console("agent:wait -t 120 " + pid);
            assertTrue(exit.contains("exited: code 0") && exit.contains(rounds + " rounds"), "pid " + pid + ": " + exit
                    + "\n" + console("agent:info " + pid));
        }
        java.util.List<String> lines = ledgerLines();
        assertEquals(agents * rounds * 2, lines.size(), "each line once: " + lines);
        for (int i = 0; i < lines.size(); i += 2) {
            String enter = lines.get(i);
            assertTrue(enter.startsWith("enter ") && lines.get(i + 1).equals("exit " + enter.substring("enter ".length())),
                    "critical sections overlapped at line " + i + ": " + lines.subList(i, Math.min(lines.size(), i + 4)));
        }
        assertEquals(agents * rounds, new java.util.HashSet<>(lines).size() / 2, "no round twice");
        String queue = console("ipc:peek -n 1000 ledger");
        for (long pid : pids) {
            for (int i = 0; i < rounds; i++) {
                String message = "{\"pid\":" + pid + ",\"i\":" + i + "}";
                int at = queue.indexOf(message);
                assertTrue(at >= 0 && queue.indexOf(message, at + 1) < 0, "message " + message + " once: " + queue);
            }
            String written = console("mem:get shared/ledger round-" + pid);
            assertTrue(written.contains(" round-" + pid + " v" + rounds + ","), "one memory write per round: " + written);
            String journal = console("agent:journal --json " + pid);
            long asked = journal.lines().filter(l -> l.contains("\"call\":\"llm.sim\"")).count();
            assertEquals(rounds, asked, "the model asked once per round by pid " + pid);
        }
    }

    private static java.util.List<String> ledgerLines() throws IOException {
        Result r = run(home, Duration.ofSeconds(60), "bin/agentos-console", "vfs:cat /home/ledger/ledger.txt");
        if (r.code() != 0) return java.util.List.of();
        return r.output().lines().map(String::strip).filter(l -> l.startsWith("enter ") || l.startsWith("exit ")).toList();
    }

    @Test
    void consoleScriptReportsCommandErrorsInItsExitStatus() throws Exception {
        Result r = run(home, Duration.ofSeconds(60), "bin/agentos-console", "agent:info 424242");
        assertEquals(1, r.code(), r.output());
        assertTrue(r.output().contains("ESRCH: no process 424242"), r.output());
    }

    // ------------------------------------------------------------------ helpers

    private static long spawned(String out) {
        Matcher m = SPAWNED.matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static long steps(long pid) {
        Matcher m = STEPS.matcher(console("agent:info " + pid));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Heartbeat rows of an agent:ps table (the demo's long-lived processes). */
    private static long countLines(String table) {
        return table.lines().filter(l -> l.matches("^\\d+\\s.*") && l.contains(" heartbeat ")).count();
    }

    private static String console(String command) {
        return agentos.console(command);
    }

    private static void start() throws Exception {
        agentos.start();
    }

    private static void killKaraf() throws Exception {
        Path pidFile = home.resolve("karaf.pid");
        ProcessHandle karaf = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElseThrow();
        assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(karaf.pid())).start().waitFor());
        karaf.onExit().get(30, TimeUnit.SECONDS);
    }

    private static void stop() throws Exception {
        agentos.stop();
    }

    private static Result run(Path dir, Duration timeout, String... command) throws IOException {
        return UnpackedDistribution.run(dir, timeout, command);
    }

    /** Whether the process table on disk holds a record of {@code pid} that contains {@code text}. */
    private static boolean checkpointed(long pid, String text) throws java.io.IOException {
        Path table = home.resolve("data/agentos/processes.jsonl");
        if (!java.nio.file.Files.exists(table)) return false;
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(table)) {
            return lines.anyMatch(l -> l.contains("\"pid\":" + pid + ",") && l.contains(text));
        }
    }

    private static void waitUntil(String what, UnpackedDistribution.Condition c) throws Exception {
        UnpackedDistribution.waitUntil(what, c);
    }
}
