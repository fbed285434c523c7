package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Installing and uninstalling scheduler features from the console swaps the bound scheduler
 * under a running workload, and kernel:swap chooses among the installed ones: round robin,
 * fair, priority (by kernel:swap), fair, priority, fair, round robin. No process is lost and
 * every one keeps running after each swap.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SchedulerSwapIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    protected ProcessManager processes;

    private long totalSteps(List<ProcessInfo> ps) {
        long sum = 0;
        for (ProcessInfo p : ps) sum += processes.info(p.pid()).map(i -> i.usage().steps()).orElse(0L);
        return sum;
    }

    private void awaitProgress(List<ProcessInfo> ps) {
        long before = totalSteps(ps);
        waitFor(() -> totalSteps(ps) > before + ps.size(), WAIT, "every process to keep running");
    }

    /** Runs a feature command, waits until {@code scheduler} is bound, and checks the workload is whole and running. */
    private void swapTo(String featureCommand, String scheduler, List<ProcessInfo> workload) {
        executeCommand(featureCommand, Duration.ofSeconds(60));
        waitFor(() -> executeCommand("kernel:subsystems").matches("(?s).*\\nscheduler\\s+" + scheduler + "\\s.*"),
                WAIT, scheduler + " to be bound after " + featureCommand);
        awaitProgress(workload);
        assertEquals(workload.size(), processes.list(new ProcessQuery("swap", null, false, 1000)).matching());
    }

    @Test
    public void featureInstallSwapsTheSchedulerUnderLoadAndNothingIsLost() {
        String out = executeCommand("agent:spawn -o swap --count 50 counter '{\"sleepMs\":5}'");
        Matcher m = Pattern.compile("pids (\\d+)\\.\\.(\\d+)").matcher(out);
        assertTrue(out, m.find());
        List<ProcessInfo> workload = processes.list(new ProcessQuery("swap", null, false, 1000)).processes();
        assertEquals(50, workload.size());
        awaitProgress(workload);

        swapTo("feature:install agentos-scheduler-fair", "fair", workload);
        // Both installed: the higher ranking (fair) stays bound; removing it hands over to priority.
        executeCommand("feature:install agentos-scheduler-priority", Duration.ofSeconds(60));
        // An explicit choice overrides the ranking, and auto returns to it.
        swapTo("kernel:swap scheduler priority", "priority", workload);
        swapTo("kernel:swap scheduler auto", "fair", workload);
        try {
            executeCommand("kernel:swap scheduler nosuch");
            throw new IllegalStateException("kernel:swap accepted an unknown scheduler");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("ENOENT: no scheduler 'nosuch'"));
        }
        swapTo("feature:uninstall agentos-scheduler-fair", "priority", workload);
        swapTo("feature:install agentos-scheduler-fair", "fair", workload);
        executeCommand("feature:uninstall agentos-scheduler-priority", Duration.ofSeconds(60));
        swapTo("feature:uninstall agentos-scheduler-fair", "round-robin", workload);
    }
}
