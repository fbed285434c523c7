package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.agentos.itests.UnpackedDistribution.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a user of the unpacked distribution meets at the console: {@code bin/agentos-console} with
 * large outputs, early readers and {@code help}; counting and acting on many processes; the
 * {@code repeat} example; the log after user errors; the scripts without JAVA_HOME; the web
 * console feature. One Karaf, on free
 * ports, with 10 000 sleeping processes of owner {@code bulk}.
 */
class ConsoleScriptIT {
    private static final int BULK = 10_000;
    private static UnpackedDistribution agentos;
    private static int httpPort;

    @BeforeAll
    static void startWithManyProcesses() throws Exception {
        agentos = UnpackedDistribution.unpack("console-it");
        httpPort = agentos.httpPort; // a free port, not 8181
        agentos.start();
        assertTrue(agentos.console("agent:spawn -o bulk --count " + BULK + " counter '{\"sleepMs\":3600000}'")
                .contains("spawned " + BULK + " processes"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (agentos != null) agentos.stop();
    }

    // ------------------------------------------------------------------ bin/agentos-console (item 8)

    @Test
    void aTableOfTenThousandRowsComesThroughCompleteEveryTime() throws Exception {
        for (int run = 1; run <= 5; run++) {
            Result r = agentos.run(Duration.ofSeconds(120), "bin/agentos-console", "agent:ps -o bulk -n " + (2 * BULK));
            assertEquals(0, r.code(), "run " + run + ": " + tail(r.output()));
            List<String> rows = r.output().lines().filter(l -> l.matches("^\\d+\\s+1\\s+bulk\\s+counter\\s.*")).toList();
            assertEquals(BULK, rows.size(), "run " + run + " printed every row: " + tail(r.output()));
            assertTrue(r.output().startsWith("PID "), "run " + run + " starts with the header");
        }
    }

    @Test
    void outputWithoutAFinalNewlineComesThroughWhole() {
        agentos.console("tool:call --caps 'fs:*:/home/nl/**' fs.write '{\"path\":\"/home/nl/n.txt\",\"text\":\"no newline\"}'");
        assertEquals("no newline\n", agentos.console("vfs:cat /home/nl/n.txt"));
    }

    @Test
    void aReaderThatStopsEarlyIsNotReportedAsAFailure() throws Exception {
        Result r = agentos.run(Duration.ofSeconds(120), "bash", "-c",
                "set -o pipefail; bin/agentos-console 'agent:ps -o bulk -n " + (2 * BULK) + "' | head -n 3");
        assertEquals(0, r.code(), r.output());
        assertEquals(3, r.output().lines().count(), r.output());
        assertFalse(r.output().contains("failed"), r.output());
    }

    @Test
    void helpListsTheCommandsOfAScopeAndTheUsageOfOne() {
        String agent = agentos.console("help agent");
        assertTrue(agent.contains("agent:spawn"), agent);
        assertTrue(agent.contains("agent:ps"), agent);
        assertFalse(agent.contains("kernel:swap"), "only the agent scope: " + agent);
        String all = agentos.console("help");
        assertTrue(all.contains("kernel:swap") && all.contains("bundle:list"), all);
        String ps = agentos.console("help agent:ps");
        assertTrue(ps.contains("--summary"), ps);
    }

    // ------------------------------------------------------------------ many processes (item 9)

    @Test
    void psCountsAndSummarisesWithoutListingEveryRow() {
        assertEquals(String.valueOf(BULK), agentos.console("agent:ps --count -o bulk").strip());
        assertEquals(String.valueOf(BULK), agentos.console("agent:ps -c -o bulk -p counter").strip());
        assertEquals("0", agentos.console("agent:ps --count -o bulk -p heartbeat").strip());
        String summary = agentos.console("agent:ps --summary -o bulk");
        assertTrue(summary.startsWith(BULK + " processes (owner=bulk)"), summary);
        assertTrue(summary.lines().anyMatch(l -> l.matches("counter\\s+" + BULK)), summary);
        assertTrue(summary.lines().anyMatch(l -> l.matches("bulk\\s+" + BULK)), summary);
    }

    @Test
    void aManagerWorksThroughTheScriptAsThemselvesAndSeesOnlyTheirOwn() throws Exception {
        // the script's result file goes through Karaf's "> file", which the shell ACL keeps for administrators
        // except for that file: a manager's console must still answer
        Result spawned = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "mia", "agent:spawn counter '{\"sleepMs\":1000}'");
        assertEquals(0, spawned.code(), spawned.output());
        long pid = spawnedPid(spawned.output());
        Result own = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "mia", "agent:ps");
        assertTrue(own.output().lines().anyMatch(l -> l.matches("^" + pid + "\\s+\\d+\\s+mia\\s+counter\\s.*")), own.output());
        assertTrue(own.output().lines().noneMatch(l -> l.contains(" bulk ")), "another owner's processes: " + tail(own.output()));
        Result others = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "mia", "agent:ps -c -o bulk");
        assertEquals(1, others.code(), others.output());
        assertTrue(others.output().contains("EPERM: processes of bulk are not yours"), others.output());
        Result write = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "mia", "echo x > etc/mia.cfg");
        assertEquals(1, write.code(), write.output());
        assertFalse(java.nio.file.Files.exists(agentos.home.resolve("etc/mia.cfg")), "a manager wrote into etc/");
        agentos.console("agent:kill " + pid);
    }

    @Test
    void killPauseAndResumeActOnASelectionAndNeedForceAboveTen() throws Exception {
        agentos.console("agent:spawn -o chosen --count 12 counter '{\"sleepMs\":3600000}'");
        agentos.console("agent:spawn -o chosen --count 3 heartbeat");

        Result refused = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:kill -o chosen -p counter");
        assertEquals(1, refused.code(), refused.output());
        assertTrue(refused.output().contains("ECANCELED: 12 processes match owner=chosen program=counter; add --force"),
                refused.output());
        assertEquals("12", agentos.console("agent:ps -c -o chosen -p counter").strip(), "nothing was killed");

        assertTrue(agentos.console("agent:pause -o chosen -p heartbeat").contains("paused 3 processes"));
        UnpackedDistribution.waitUntil("the pause", () ->
                agentos.console("agent:ps -c -o chosen -p heartbeat -s PAUSED").strip().equals("3"));
        assertTrue(agentos.console("agent:resume -o chosen").contains("resumed 3 processes (owner=chosen)"));

        assertTrue(agentos.console("agent:kill --force -o chosen -p counter").contains("killed 12 processes"));
        assertEquals("0", agentos.console("agent:ps -c -o chosen -p counter").strip());
        assertEquals("3", agentos.console("agent:ps -c -o chosen").strip(), "the heartbeats were not chosen");
        assertEquals(String.valueOf(BULK), agentos.console("agent:ps -c -o bulk").strip(), "nor anyone else's");
    }

    // ------------------------------------------------------------------ examples (item 12)

    @Test
    void theRepeatProgramCallsAToolInALoopAndReportsTheErrorsItGot() {
        agentos.console("feature:install agentos-tools-example");
        String good = agentos.console("agent:spawn -c 'tool:*' repeat "
                + "'{\"syscall\":\"text.stats\",\"args\":{\"text\":\"one two three\"},\"count\":100,\"sleepMs\":0}'");
        String goodExit = agentos.console("agent:wait " + spawnedPid(good));
        assertTrue(goodExit.contains("code 0 (100 calls of text.stats: 100 ok)"), goodExit);
        String bad = agentos.console("agent:spawn -c 'tool:*' repeat '{\"syscall\":\"text.stats\",\"args\":{},\"count\":3}'");
        String badExit = agentos.console("agent:wait " + spawnedPid(bad));
        assertTrue(badExit.contains("code 1 (3 calls of text.stats: 0 ok, 3 failed: EINVAL x3 (first: "), badExit);
    }

    // ------------------------------------------------------------------ logs and scripts (item 10)

    @Test
    void aUserErrorAtTheConsoleLeavesAnInfoLineAndNoErrorOrStackTraceInKarafLog() throws Exception {
        Result esrch = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:info 424242");
        assertEquals(1, esrch.code(), esrch.output());
        Result enosys = agentos.run(Duration.ofSeconds(60), "bin/agentos-console", "tool:call no.such.tool '{}'");
        assertTrue(enosys.output().contains("ENOSYS"), enosys.output());
        UnpackedDistribution.waitUntil("the refusal in karaf.log", () -> agentos.log().contains("no syscall 'no.such.tool'"));
        String log = agentos.log();
        assertTrue(log.lines().anyMatch(l -> l.contains("| INFO ") && l.contains("ESRCH: no process 424242")), tail(log));
        assertFalse(log.lines().anyMatch(l -> l.contains("| ERROR ") && l.contains("ShellUtil")),
                "no ERROR for a user error: " + tail(log));
        assertFalse(log.contains("ConsoleErrors$"), "and no exception of it: " + tail(log));
        assertFalse(log.contains("Exception caught while executing command"), "Karaf logged none as a fault: " + tail(log));
    }

    @Test
    void theKarafScriptsFindAJavaWithoutJavaHome() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bin/status").directory(agentos.home.toFile()).redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertFalse(out.contains("JAVA_HOME not set"), out);
        assertTrue(out.contains("Running"), out);
    }

    // ------------------------------------------------------------------ web console (item 13)

    @Test
    void theWebConsoleFeatureInstallsOfflineAndServesTheConfigurationForms() throws Exception {
        agentos.console("feature:install agentos-webconsole");
        URI configMgr = URI.create("http://127.0.0.1:" + httpPort + "/system/console/configMgr");
        UnpackedDistribution.waitUntil("the web console to answer 200", () -> get(configMgr, "karaf:karaf") == 200,
                Duration.ofSeconds(120));
        assertEquals(401, get(configMgr, null), "it asks who you are");
    }

    // ------------------------------------------------------------------ helpers

    private static int get(URI uri, String credentials) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        if (credentials != null) {
            c.setRequestProperty("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return c.getResponseCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } finally {
            c.disconnect();
        }
    }

    private static long spawnedPid(String spawnOutput) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("spawned pid (\\d+)").matcher(spawnOutput);
        assertTrue(m.find(), spawnOutput);
        return Long.parseLong(m.group(1));
    }

    private static String tail(String text) {
        return text.length() <= 2_000 ? text : "..." + text.substring(text.length() - 2_000);
    }
}
