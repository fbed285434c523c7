package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Memory in the real distribution: agents counting together in a shared segment through
 * mem.lock/get/put/unlock; an operator dumping an agent's memory from the console; the memory
 * manager swapped to memory.heap and back while agents count, with no update lost.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MemoryIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    protected ProcessManager processes;

    @Inject
    protected Subsystems subsystems;

    private List<Long> tallies(String segment, int agents, int count) {
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            pids.add(spawn("agent:spawn -o team -c mem:share:" + segment + " -c 'mem:*:shared/" + segment + "'"
                    + " tally '{\"segment\":\"" + segment + "\",\"count\":" + count + ",\"create\":true}'"));
        }
        return pids;
    }

    private void allExitCleanly(List<Long> pids) throws Exception {
        for (long pid : pids) {
            ExitStatus s = processes.awaitExit(pid).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(s.reason(), 0, s.code());
        }
    }

    /** The tally of shared/<segment>, 0 while there is none yet. */
    private long counted(String segment) {
        try {
            String out = executeCommand("mem:get shared/" + segment + " n").trim();
            return Long.parseLong(out.substring(out.lastIndexOf('\n') + 1).trim());
        } catch (AssertionError notYet) {
            return 0;
        }
    }

    private String memoryManager() {
        for (SubsystemBinding b : subsystems.bindings()) if (b.subsystem().equals("memory")) return b.bound();
        return null;
    }

    @Test
    public void agentsCountTogetherInASharedSegmentUnderItsLock() throws Exception {
        List<Long> pids = tallies("team", 6, 25);
        allExitCleanly(pids);
        String value = executeCommand("mem:get shared/team n");
        assertTrue(value, value.trim().endsWith("150"));
        String spaces = executeCommand("mem:spaces -o team");
        assertTrue(spaces, spaces.contains("shared/team") && spaces.contains("shared"));
        String usage = executeCommand("mem:usage");
        assertTrue(usage, usage.contains("team"));
    }

    @Test
    public void anOperatorSharesASegmentForAgentsAndDeletesIt() throws Exception {
        assertTrue(executeCommand("mem:share --persistent -o ops -m team board")
                .contains("created shared/board (owner ops, persistent, members team)"));
        try {
            executeCommand("mem:share board");
            throw new IllegalStateException("a second segment of the same name was created");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EEXIST"));
        }
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pids.add(spawn("agent:spawn -o team -c 'mem:*:shared/board' tally '{\"segment\":\"board\",\"count\":10}'"));
        }
        allExitCleanly(pids);
        assertTrue(executeCommand("mem:get shared/board n").trim().endsWith("30"));
        // an owner the segment does not name reaches nothing, whatever capability it was given
        long outsider = spawn("agent:spawn -o mallory -c 'mem:*:shared/board' tally '{\"segment\":\"board\",\"count\":1}'");
        String reason = processes.awaitExit(outsider).toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS).reason();
        assertTrue(reason, reason.startsWith("EPERM") && reason.contains("belongs to owner ops"));
        assertTrue(executeCommand("mem:unshare shared/board").contains("deleted shared/board"));
        assertTrue(!executeCommand("mem:spaces").contains("shared/board"));
        executeCommand("mem:share scratch");
        assertTrue("unshare takes the name share took", executeCommand("mem:unshare scratch").contains("deleted shared/scratch"));
    }

    @Test
    public void anOperatorDumpsAnAgentsMemoryAsJson() throws Exception {
        long pid = spawn("agent:spawn -o alice remember '{\"notes\":{\"goal\":\"ship the release\",\"steps\":[1,2,3]}}'");
        waitFor(() -> processes.info(pid).map(i -> i.waitingOn() != null && i.waitingOn().startsWith("proc.sleep")).orElse(false),
                WAIT, "the agent to have written its notes");
        String ls = executeCommand("mem:ls user/" + pid);
        assertTrue(ls, ls.contains("goal") && ls.contains("steps"));
        String dump = executeCommand("mem:dump " + pid);
        assertTrue(dump, dump.contains("\"space\" : \"user/" + pid + "\"") && dump.contains("\"ship the release\""));
        Path file = Files.createTempFile("agentos-dump", ".json");
        assertTrue(executeCommand("mem:dump -o " + file + " " + pid).contains("wrote 2 entries"));
        String written = Files.readString(file);
        assertTrue(written, written.contains("\"owner\" : \"alice\"") && written.contains("\"steps\""));
        executeCommand("agent:kill " + pid);
        waitFor(() -> !executeCommand("mem:spaces").contains("user/" + pid + " "), WAIT, "its space freed at its exit");
        try {
            executeCommand("mem:dump " + pid);
            throw new IllegalStateException("a dump of an ended process succeeded");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("ENOENT"));
        }
    }

    @Test
    public void theMemoryManagerIsSwappedUnderLoadAndNoUpdateIsLost() throws Exception {
        assertEquals("hierarchical", memoryManager());
        List<Long> pids = tallies("swap", 4, 5000);
        waitFor(() -> counted("swap") > 0, WAIT, "the counting to start");
        executeCommand("kernel:swap memory heap");
        waitFor(() -> "heap".equals(memoryManager()), WAIT, "heap to be bound");
        // made in heap only: /mem must show the manager the kernel uses, not the higher-ranked one
        executeCommand("mem:share onlyinheap");
        String listed = executeCommand("vfs:ls /mem/shared");
        assertTrue("/mem follows kernel:swap: " + listed, listed.contains("onlyinheap"));
        assertTrue("the agents were still counting when heap took over",
                pids.stream().anyMatch(pid -> processes.info(pid).map(i -> i.exit() == null).orElse(false)));
        executeCommand("kernel:swap memory auto");
        waitFor(() -> "hierarchical".equals(memoryManager()), WAIT, "hierarchical to be bound again");
        allExitCleanly(pids);
        String value = executeCommand("mem:get shared/swap n");
        assertTrue("4 x 5000 increments, none lost in the two swaps: " + value, value.trim().endsWith("20000"));
        String subsystemsTable = executeCommand("kernel:subsystems");
        assertTrue(subsystemsTable, subsystemsTable.contains("heap -> hierarchical"));
    }
}
