package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.process.ProcessCursor;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessOrder;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pages of the process table in any order, forward and back, each one pass over the table. */
class ProcessPagingTest {
    private KernelHarness h;
    private Kernel k;
    private final List<Long> pids = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        h = KernelHarness.inMemory();
        k = h.kernel;
        k.addProgram(TestPrograms.sleeper(), "test");
        for (int i = 0; i < 250; i++) {
            pids.add(k.spawn(new SpawnSpec("sleeper", Args.of("ms", 60_000), "owner" + (i % 3), 0, List.of(), null)));
        }
        for (long pid : pids) h.awaitState(pid, ProcessState.BLOCKED);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static List<Long> pidsOf(ProcessListing l) {
        return l.processes().stream().map(ProcessInfo::pid).toList();
    }

    @Test
    void pagesForwardCoverEveryProcessOnceInOrder() {
        ProcessQuery q = new ProcessQuery(null, null, null, false, 40);
        List<Long> seen = new ArrayList<>();
        ProcessListing page = k.list(q);
        while (true) {
            assertEquals(seen.size(), page.ahead(), "rows ahead of the page");
            assertEquals(250, page.matching());
            seen.addAll(pidsOf(page));
            if (!page.hasMore()) break;
            ProcessInfo last = page.processes().get(page.processes().size() - 1);
            page = k.list(q.from(ProcessCursor.of(ProcessOrder.PID, last), false));
        }
        assertEquals(pids, seen);
    }

    @Test
    void theLastPageAndPagingBackComeInTheOrderAsked() {
        ProcessQuery q = new ProcessQuery(null, null, null, false, 40).from(null, true);
        ProcessListing last = k.list(q);
        assertEquals(pids.subList(210, 250), pidsOf(last));
        assertEquals(210, last.ahead());
        assertFalse(last.hasMore());
        ProcessListing before = k.list(q.from(ProcessCursor.of(ProcessOrder.PID, last.processes().get(0)), true));
        assertEquals(pids.subList(170, 210), pidsOf(before));
        assertEquals(170, before.ahead());
    }

    @Test
    void sortedByOwnerDescendingTiesByPidDescendingToo() {
        ProcessQuery q = new ProcessQuery(null, null, null, false, 100).sorted(ProcessOrder.OWNER, true);
        ProcessListing first = k.list(q);
        assertTrue(first.processes().subList(0, 83).stream().allMatch(p -> p.owner().equals("owner2"))
                && first.processes().get(83).owner().equals("owner1"), "owner2 has 83 processes, then owner1");
        List<ProcessInfo> all = new ArrayList<>(first.processes());
        ProcessListing next = k.list(q.from(ProcessCursor.of(ProcessOrder.OWNER, all.get(all.size() - 1)), false));
        all.addAll(next.processes());
        assertEquals(100, next.ahead());
        for (int i = 1; i < all.size(); i++) {
            ProcessInfo a = all.get(i - 1);
            ProcessInfo b = all.get(i);
            int c = b.owner().compareTo(a.owner());
            assertTrue(c < 0 || c == 0 && b.pid() < a.pid(), "descending owner, then pid: " + a.pid() + " " + b.pid());
        }
    }

    @Test
    void aFilterCountsOnlyWhatMatches() {
        ProcessListing one = k.list(new ProcessQuery("owner1", null, null, false, 10).sorted(ProcessOrder.CPU, true));
        assertEquals(83, one.matching());
        assertTrue(one.processes().stream().allMatch(p -> p.owner().equals("owner1")));
        for (int i = 1; i < one.processes().size(); i++) {
            assertTrue(one.processes().get(i - 1).usage().cpuNanos() >= one.processes().get(i).usage().cpuNanos());
        }
    }
}
