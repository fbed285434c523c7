package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The versioned filesystem in the real distribution: an agent writes a file through fs.append,
 * an operator reads its history, content and diff from the console and restores a version; an
 * agent without the capability is refused with EPERM, and the refusal is in the audit log.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VfsIT extends KarafTestSupport {
    private static final Pattern SPAWNED = Pattern.compile("spawned pid (\\d+)");

    @Inject
    protected ProcessManager processes;

    private ExitStatus run(String commandLine) throws Exception {
        String out = executeCommand(commandLine);
        Matcher m = SPAWNED.matcher(out);
        assertTrue(out, m.find());
        return processes.awaitExit(Long.parseLong(m.group(1))).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    public void anAgentWritesAndTheOperatorReadsHistoryDiffsAndRestores() throws Exception {
        ExitStatus s = run("agent:spawn -o alice -c 'fs:*:/home/alice/**' scribe '{\"path\":\"/home/alice/journal.txt\",\"entries\":3}'");
        assertEquals(s.reason(), 0, s.code());

        String log = executeCommand("vfs:log /home/alice/journal.txt");
        assertTrue(log, Pattern.compile("(?m)^v3\\s+\\S+ \\S+\\s+\\d+\\s+alice\\s+fs\\.append\\s+org\\.agentos\\.apps\\.examples").matcher(log).find());
        assertEquals("entry 1\nentry 2\nentry 3\n", executeCommand("vfs:cat /home/alice/journal.txt"));
        assertEquals("entry 1\n", executeCommand("vfs:cat -v 1 /home/alice/journal.txt"));
        String diff = executeCommand("vfs:diff /home/alice/journal.txt 1");
        assertTrue(diff, diff.contains("+entry 2\n+entry 3\n"));
        assertTrue(executeCommand("vfs:restore /home/alice/journal.txt 1").contains("v1 restored as v4"));
        assertEquals("entry 1\n", executeCommand("vfs:cat /home/alice/journal.txt"));
        String du = executeCommand("vfs:du");
        // 8 bytes live; v1-v3 (8 + 16 + 24 bytes) kept as history, counted against alice's quota too
        assertTrue(du, Pattern.compile("(?m)^alice\\s+8\\s+48\\s").matcher(du).find());
        String ls = executeCommand("vfs:ls /home/alice");
        assertTrue(ls, ls.contains("journal.txt"));
    }

    @Test
    public void aWriteWithoutTheCapabilityIsRefusedAndAudited() throws Exception {
        ExitStatus s = run("agent:spawn -o mallory -c 'fs:*:/home/mallory/**' scribe '{\"path\":\"/home/alice/evil.txt\",\"entries\":1}'");
        assertEquals(1, s.code());
        assertTrue(s.reason(), s.reason().startsWith("EPERM") && s.reason().contains("fs:write:/home/alice/evil.txt"));
        String audit = executeCommand("kernel:audit -n 20 --outcome EPERM --name fs.append");
        assertTrue(audit, audit.contains("fs:write:/home/alice/evil.txt"));
        try {
            executeCommand("vfs:cat /home/alice/evil.txt");
            throw new IllegalStateException("the refused write exists");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("ENOENT"));
        }
    }

    @Test
    public void procShowsAProcessAndPathTricksAreRefused() throws Exception {
        ExitStatus s = run("agent:spawn -o alice -c 'fs:*:/home/alice/**' scribe '{\"path\":\"/home/alice/../bob/x\",\"entries\":1}'");
        assertEquals(1, s.code());
        assertTrue(s.reason(), s.reason().startsWith("EINVAL") || s.reason().startsWith("EPERM"));
        Matcher m = SPAWNED.matcher(executeCommand("agent:spawn -o procs counter '{\"sleepMs\":50}'"));
        assertTrue(m.find());
        String pid = m.group(1);
        String procs = executeCommand("vfs:ls /proc");
        assertTrue(procs, Pattern.compile("(?m)\\s" + pid + "/$").matcher(procs).find());
        String status = executeCommand("vfs:cat /proc/" + pid + "/status");
        assertTrue(status, status.contains("\"program\" : \"counter\"") && status.contains("\"owner\" : \"procs\""));
        executeCommand("agent:kill " + pid);
    }

    @Test
    public void aProcessTmpFilesGoWhenItExits() throws Exception {
        ExitStatus s = run("agent:spawn -o tmpuser -c 'fs:*:/tmp/**' scribe '{\"path\":\"/tmp/scratch/notes\",\"entries\":2}'");
        assertEquals(s.reason(), 0, s.code());
        waitFor(() -> {
            try {
                executeCommand("vfs:cat /tmp/scratch/notes");
                return false;
            } catch (AssertionError gone) {
                return gone.getMessage().contains("ENOENT");
            }
        }, java.time.Duration.ofSeconds(10), "/tmp/scratch/notes to go with its process");
    }
}
