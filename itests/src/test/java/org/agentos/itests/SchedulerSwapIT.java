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
 * Installing the fair scheduler's feature from the console swaps it in under a running
 * workload; uninstalling it falls back to round robin. No process is lost either way.
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

    @Test
    public void featureInstallSwapsTheSchedulerUnderLoadAndNothingIsLost() {
        String out = executeCommand("agent:spawn -o swap --count 50 counter '{\"sleepMs\":5}'");
        Matcher m = Pattern.compile("pids (\\d+)\\.\\.(\\d+)").matcher(out);
        assertTrue(out, m.find());
        List<ProcessInfo> workload = processes.list(new ProcessQuery("swap", null, false, 1000)).processes();
        assertEquals(50, workload.size());
        awaitProgress(workload);

        executeCommand("feature:install agentos-scheduler-fair", Duration.ofSeconds(60));
        waitFor(() -> executeCommand("kernel:subsystems").matches("(?s).*scheduler\\s+fair\\s+org\\.agentos\\.scheduler\\.fair.*"),
                WAIT, "the fair scheduler to be bound");
        awaitProgress(workload);
        assertEquals(50, processes.list(new ProcessQuery("swap", null, false, 1000)).matching());

        executeCommand("feature:uninstall agentos-scheduler-fair", Duration.ofSeconds(60));
        waitFor(() -> executeCommand("kernel:subsystems").contains("scheduler  round-robin"), WAIT,
                "round robin to be bound again");
        awaitProgress(workload);
        assertEquals(50, processes.list(new ProcessQuery("swap", null, false, 1000)).matching());
    }
}
