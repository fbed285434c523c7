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
 * under a running workload, and kernel:swap chooses among the installed ones: fair (booted by
 * the distribution), round robin, fair, priority (by kernel:swap), fair, priority, fair, round
 * robin. No process is lost and every one keeps running after each swap.
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

    /**
     * Runs a command, waits until {@code scheduler} is bound, and checks the workload is whole,
     * alive, running, and that no process's accounting went back.
     */
    private void swapTo(String command, String scheduler, List<ProcessInfo> workload) {
        java.util.Map<Long, Long> steps = new java.util.HashMap<>();
        java.util.Map<Long, Long> syscalls = new java.util.HashMap<>();
        for (ProcessInfo p : workload) {
            ProcessInfo now = processes.info(p.pid()).orElseThrow();
            steps.put(p.pid(), now.usage().steps());
            syscalls.put(p.pid(), now.usage().syscalls());
        }
        executeCommand(command, Duration.ofSeconds(60));
        waitFor(() -> executeCommand("kernel:subsystems").matches("(?s).*\\nscheduler\\s+" + scheduler + "\\s.*"),
                WAIT, scheduler + " to be bound after " + command);
        awaitProgress(workload);
        assertEquals(workload.size(), processes.list(new ProcessQuery(workload.get(0).owner(), null, false, 1000)).matching());
        for (ProcessInfo p : workload) {
            ProcessInfo now = processes.info(p.pid()).orElseThrow(() -> new AssertionError("lost pid " + p.pid()));
            assertTrue(now.state() + " " + p.pid(), !now.state().isTerminal());
            assertTrue("steps of " + p.pid(), now.usage().steps() >= steps.get(p.pid()));
            assertTrue("syscalls of " + p.pid(), now.usage().syscalls() >= syscalls.get(p.pid()));
        }
    }

    @Test
    public void featureInstallSwapsTheSchedulerUnderLoadAndNothingIsLost() {
        String out = executeCommand("agent:spawn -o swap --count 50 counter '{\"sleepMs\":5}'");
        Matcher m = Pattern.compile("pids (\\d+)\\.\\.(\\d+)").matcher(out);
        assertTrue(out, m.find());
        List<ProcessInfo> workload = processes.list(new ProcessQuery("swap", null, false, 1000)).processes();
        assertEquals(50, workload.size());
        awaitProgress(workload);

        // the distribution boots the fair scheduler: tenants share the CPU from the start
        swapTo("feature:install agentos-scheduler-fair", "fair", workload);
        swapTo("feature:uninstall agentos-scheduler-fair", "round-robin", workload);
        swapTo("feature:install agentos-scheduler-fair", "fair", workload);
        // Both installed: the higher ranking (fair) stays bound; removing it hands over to priority.
        executeCommand("feature:install agentos-scheduler-priority", Duration.ofSeconds(60));
        // An explicit choice overrides the ranking, and auto returns to it.
        swapTo("kernel:swap scheduler priority", "priority", workload);
        String subsystems = executeCommand("kernel:subsystems");
        assertTrue(subsystems, subsystems.contains("last swap fair -> priority"));
        assertTrue(subsystems, subsystems.contains("carried over"));
        swapTo("kernel:swap scheduler auto", "fair", workload);
        // The plain Karaf way: the kernel's target filter through ConfigAdmin.
        swapTo("config:property-set -p org.agentos.kernel Scheduler.target \"(agentos.subsystem.name=priority)\"",
                "priority", workload);
        swapTo("config:property-delete -p org.agentos.kernel Scheduler.target", "fair", workload);
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
        swapTo("feature:install agentos-scheduler-fair", "fair", workload); // as the distribution boots
    }

    @Test
    public void llmCallsStayWithinTheProviderLimitAndClassesShowInThePs() {
        executeCommand("agent:spawn -o llm --count 12 asker '{\"calls\":10}'");
        waitFor(() -> executeCommand("kernel:subsystems").contains("llm.sim: "), WAIT, "the llm.sim gate to appear");
        waitFor(() -> processes.list(new ProcessQuery("llm", null, true, 100)).processes().stream()
                .allMatch(p -> p.state().isTerminal()), Duration.ofSeconds(60), "every asker to finish");
        for (ProcessInfo p : processes.list(new ProcessQuery("llm", null, true, 100)).processes()) {
            assertEquals("asker " + p.pid() + ": " + p.exit(), 0, p.exit().code());
        }
        String gate = executeCommand("kernel:subsystems -v");
        assertTrue(gate, gate.contains("0/4 in flight, 0 waiting"));

        executeCommand("agent:spawn -o cls --class idle counter '{\"sleepMs\":5}'");
        String ps = executeCommand("agent:ps -o cls");
        assertTrue(ps, ps.contains("idle"));
        try {
            executeCommand("agent:spawn --class urgent counter");
            throw new IllegalStateException("agent:spawn accepted an unknown class");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EINVAL: unknown scheduling class 'urgent'"));
        }
    }

    @Test
    public void withNoSchedulerProcessesWaitReadyAndRunAgainWhenOneAppears() {
        executeCommand("agent:spawn -o idle-cpu --count 10 counter '{\"sleepMs\":5}'");
        List<ProcessInfo> workload = processes.list(new ProcessQuery("idle-cpu", null, false, 100)).processes();
        awaitProgress(workload);
        executeCommand("feature:uninstall agentos-scheduler-fair", Duration.ofSeconds(60)); // booted; installed again below
        // The kernel's own round robin is the last resort; disabling its component leaves none.
        executeCommand("scr:disable org.agentos.kernel.impl.cpu.RoundRobinScheduler");
        try {
            waitFor(() -> executeCommand("kernel:subsystems").contains("no scheduler bound"), WAIT,
                    "the kernel to report that no scheduler is bound");
            waitFor(() -> processes.list(new ProcessQuery("idle-cpu",
                            org.agentos.kernel.api.process.ProcessState.READY, false, 100)).matching() == workload.size(),
                    WAIT, "every process to wait READY");
            swapTo("feature:install agentos-scheduler-priority", "priority", workload);
        } finally {
            executeCommand("scr:enable org.agentos.kernel.impl.cpu.RoundRobinScheduler");
        }
        executeCommand("feature:uninstall agentos-scheduler-priority", Duration.ofSeconds(60));
        waitFor(() -> executeCommand("kernel:subsystems").matches("(?s).*\\nscheduler\\s+round-robin\\s.*"), WAIT,
                "round robin to be bound again");
        awaitProgress(workload);
        swapTo("feature:install agentos-scheduler-fair", "fair", workload);
    }
}
