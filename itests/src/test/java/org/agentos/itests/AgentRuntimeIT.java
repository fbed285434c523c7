package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Agents written as code in the real distribution: the example {@code reviewer} (an Agent service
 * of apps.examples, made a program by the agent runtime) reads a workspace, asks the model and
 * writes its notes; its calls are audited as its own; without the capability it ends with EPERM.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AgentRuntimeIT extends KarafTestSupport {
    @Inject
    protected ProcessManager processes;

    private ExitStatus exit(long pid) throws Exception {
        return processes.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private void workspace(String owner, String path, int lines) throws Exception {
        ExitStatus s = exit(spawn("agent:spawn -o " + owner + " -c 'fs:*:/home/" + owner + "/**' scribe '{\"path\":\""
                + path + "\",\"entries\":" + lines + "}'"));
        assertEquals(s.reason(), 0, s.code());
    }

    /**
     * Each example program, run to its end, replays identically against its call journal; the
     * journal of one program replayed with another is reported where it first diverges.
     */
    @Test
    public void everyExampleReplaysIdenticallyAgainstItsJournal() throws Exception {
        workspace("rex", "/home/rex/src/a.txt", 2);
        String[] spawns = {
            "counter '{\"limit\":5,\"sleepMs\":1}'",
            "heartbeat '{\"beats\":3,\"maxSleepMs\":5}'",
            "-c 'fs:*:/home/rex/**' scribe '{\"path\":\"/home/rex/s.txt\",\"entries\":3}'",
            "-c 'fs:*:/home/rex/**' reviewer '{\"dir\":\"/home/rex/src\",\"notes\":\"/home/rex/notes.md\",\"llm\":\"llm.sim\"}'",
            "asker '{\"calls\":3}'",
            "-c proc:spawn fanout '{\"children\":2,\"count\":2,\"sleepMs\":1}'",
            "-c 'tool:*' repeat '{\"syscall\":\"random.int\",\"args\":{\"bound\":6},\"count\":4,\"sleepMs\":1}'",
            "remember '{\"notes\":{\"goal\":\"replay\"},\"holdMs\":1}'",
            "llm-agent '{\"goal\":\"say hello\",\"llm\":\"llm.sim\"}'",
            "-c proc:spawn -c 'ipc:*:team-*' team-lead '{\"tasks\":[\"one\",\"two\"]}'",
            "-c 'fs:*:/home/rex/**' -c mem:share:ledger -c mem:write:shared/ledger -c 'ipc:*:ledger' ledger "
                    + "'{\"dir\":\"/home/rex\",\"rounds\":2}'",
        };
        long counter = 0;
        for (String spawn : spawns) {
            long pid = spawn("agent:spawn -o rex " + spawn);
            ExitStatus s = exit(pid);
            assertEquals(spawn + ": " + s.reason(), 0, s.code());
            String replay = executeCommand("agent:replay " + pid);
            assertTrue(spawn + ": " + replay, replay.contains(" steps, identical (") && replay.contains("exited with code 0"));
            if (spawn.startsWith("counter")) counter = pid;
        }
        String other = executeCommand("agent:replay --program heartbeat " + counter);
        assertTrue(other, other.contains("replayed with heartbeat: ") && other.contains("DIVERGED at step "));
    }

    @Test
    public void theReviewerReadsAsksTheModelAndWritesItsNotes() throws Exception {
        workspace("alice", "/home/alice/src/a.txt", 2);
        workspace("alice", "/home/alice/src/b.txt", 3);
        String programs = executeCommand("agent:programs");
        assertTrue(programs, Pattern.compile("(?m)^reviewer\\s.*org\\.agentos\\.apps\\.examples").matcher(programs).find());

        long pid = spawn("agent:spawn -o alice -c 'fs:*:/home/alice/**' reviewer "
                + "'{\"dir\":\"/home/alice/src\",\"notes\":\"/home/alice/review.md\"}'");
        ExitStatus s = exit(pid);
        assertEquals(s.reason(), 0, s.code());
        assertEquals("reviewed 2 files into /home/alice/review.md", s.reason());
        String notes = executeCommand("vfs:cat /home/alice/review.md");
        assertTrue(notes, notes.contains("/home/alice/src/a.txt: ok\n") && notes.contains("/home/alice/src/b.txt: ok\n"));

        String audit = executeCommand("kernel:audit -p " + pid + " -n 50");
        for (String call : new String[] {"fs.list", "fs.read", "llm.sim", "fs.write"}) {
            assertTrue(call + " in\n" + audit, audit.contains(call));
        }
    }

    /** http.fetch reaches the pages this test serves on loopback, which it refuses by default. */
    @Override
    protected Option[] additionalOptions() {
        return new Option[] {editConfigurationFilePut("etc/org.agentos.tools.http.cfg", "allowPrivateNetworks", "true")};
    }

    @Test
    public void theResearcherFetchesSummarisesAndReportsWhatItCouldNotRead() throws Exception {
        try (PagesServer web = new PagesServer(Map.of("/kernels", "<html><head><title>Kernels</title><script>var x = 1;"
                + "</script></head><body><h1>Microkernels</h1><p>A microkernel keeps drivers in user space.</p></body></html>"))) {
            long pid = spawn("agent:spawn -o fay -c 'fs:*:/home/fay/**' -c tool:http.fetch:host=127.0.0.1 researcher "
                    + "'{\"urls\":[\"" + web.url("/kernels") + "\",\"" + web.url("/gone") + "\",\""
                    + web.url("/kernels").replace("127.0.0.1", "localhost") + "\"],\"report\":\"/home/fay/report.md\"}'");
            ExitStatus s = exit(pid);
            assertEquals(s.reason(), 0, s.code());
            assertEquals("read 1 of 3 pages into /home/fay/report.md", s.reason());
            String report = executeCommand("vfs:cat /home/fay/report.md");
            assertTrue(report, report.startsWith("# Research report\n\n## " + web.url("/kernels") + "\n\nok\n"));
            assertTrue(report, report.contains("## " + web.url("/gone") + "\n\nNot read: HTTP 404\n"));
            assertTrue(report, Pattern.compile("localhost:\\d+/kernels\n\nNot read: EPERM: .*tool:http\\.fetch:host=localhost")
                    .matcher(report).find());
            assertTrue(report, report.contains("## Conclusion\n\nok\n"));
            String audit = executeCommand("kernel:audit -p " + pid + " -n 50");
            assertTrue(audit, Pattern.compile("http\\.fetch\\s.*EPERM").matcher(audit).find());
        }
    }

    @Test
    public void withoutTheCapabilityTheAgentEndsWithEpermInItsReason() throws Exception {
        workspace("bob", "/home/bob/src/c.txt", 1);
        ExitStatus s = exit(spawn("agent:spawn -o bob -c 'fs:read:/home/bob/**' reviewer "
                + "'{\"dir\":\"/home/bob/src\",\"notes\":\"/home/bob/review.md\"}'"));
        assertEquals(s.reason(), 1, s.code());
        assertTrue(s.reason(), s.reason().startsWith("EPERM") && s.reason().contains("fs:write:/home/bob/review.md"));
    }

    @Test
    public void aBadInputFailsTheSpawnWithEinval() {
        try {
            executeCommand("agent:spawn -o carol reviewer '{\"dir\":\"/home/carol\"}'");
            throw new IllegalStateException("the spawn without notes was accepted");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EINVAL")
                    && expected.getMessage().contains("dir and notes are required"));
        }
    }

    @Test
    public void theLlmAgentReadsAFileActsWithAToolAndWritesItsAnswer() throws Exception {
        workspace("dora", "/home/dora/notes.txt", 2);
        long pid = spawn("agent:spawn -o dora -c 'fs:*:/home/dora/**' llm-agent '{\"goal\":\"read /home/dora/notes.txt "
                + "and write a summary to /home/dora/summary.txt\",\"tools\":[\"fs.read\",\"fs.write\"],"
                + "\"llm\":\"llm.sim\",\"answerFile\":\"/home/dora/answer.txt\"}'");
        ExitStatus s = exit(pid);
        assertEquals(s.reason(), 0, s.code());
        assertTrue(s.reason(), s.reason().startsWith("Done. entry 1\nentry 2"));
        assertEquals("Summary: entry 1\nentry 2\n", executeCommand("vfs:cat /home/dora/summary.txt"));
        assertEquals(s.reason(), executeCommand("vfs:cat /home/dora/answer.txt"));
        String audit = executeCommand("kernel:audit -p " + pid + " -n 50");
        for (String call : new String[] {"llm.sim", "fs.read", "fs.write", "mem.put"}) {
            assertTrue(call + " in\n" + audit, audit.contains(call));
        }
        String dialogue = executeCommand("agent:conversation " + pid);
        assertTrue(dialogue, Pattern.compile("(?s)#1\\s+user\\s+read /home/dora/notes.txt.*#2\\s+assistant\\s+-> fs.read "
                + "\\{\"path\":\"/home/dora/notes.txt\"}.*#3\\s+tool\\s+\\{.*#6\\s+assistant\\s+Done\\.").matcher(dialogue).find());
        String info = executeCommand("agent:info " + pid);
        assertTrue(info, Pattern.compile("model\\s+3 turns \\(llm\\.\\* calls\\), \\d+ tokens").matcher(info).find());
    }

    @Test
    public void anLlmAgentPastItsTokenBudgetIsStopped() throws Exception {
        ExitStatus s = exit(spawn("agent:spawn -o gus --max-tokens 5 llm-agent '{\"goal\":\"say something long\","
                + "\"llm\":\"llm.sim\"}'"));
        assertEquals(s.reason(), 137, s.code());
        assertTrue(s.reason(), s.reason().startsWith("EQUOTA") && s.reason().contains("token"));
    }

    @Test
    public void theTeamLeadsTeamFinishesThroughAQueue() throws Exception {
        long pid = spawn("agent:spawn -o erin -c proc:spawn -c 'ipc:*:team-*' team-lead "
                + "'{\"tasks\":[\"one\",\"two\",\"three\"]}'");
        ExitStatus s = exit(pid);
        assertEquals(s.reason(), 0, s.code());
        assertTrue(s.reason(), s.reason().startsWith("team of 3: one: ok; two: ok; three: ok"));
        String tree = executeCommand("kernel:audit -p " + pid + " -n 50");
        assertTrue(tree, tree.contains("proc.spawn") && tree.contains("ipc.recv") && tree.contains("ipc.delete"));
    }
}
