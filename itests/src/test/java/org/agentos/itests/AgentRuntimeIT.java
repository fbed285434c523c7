package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
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
        assertTrue(notes, notes.contains("/home/alice/src/a.txt: ok (") && notes.contains("/home/alice/src/b.txt: ok ("));

        String audit = executeCommand("kernel:audit -p " + pid + " -n 50");
        for (String call : new String[] {"fs.list", "fs.read", "llm.sim", "fs.write"}) {
            assertTrue(call + " in\n" + audit, audit.contains(call));
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
    }

    @Test
    public void thePlannersTeamFinishesThroughAQueue() throws Exception {
        long pid = spawn("agent:spawn -o erin -c proc:spawn -c 'ipc:*:team-*' planner "
                + "'{\"tasks\":[\"one\",\"two\",\"three\"]}'");
        ExitStatus s = exit(pid);
        assertEquals(s.reason(), 0, s.code());
        assertTrue(s.reason(), s.reason().startsWith("team of 3: one: ok; two: ok; three: ok"));
        String tree = executeCommand("kernel:audit -p " + pid + " -n 50");
        assertTrue(tree, tree.contains("proc.spawn") && tree.contains("ipc.recv") && tree.contains("ipc.delete"));
    }
}
