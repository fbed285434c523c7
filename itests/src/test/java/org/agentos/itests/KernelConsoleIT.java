package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Drives the kernel from the Karaf console of the real distribution, as an operator does:
 * spawn, ps, info, pause, resume, kill, wait, audit, subsystems, and bad input.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KernelConsoleIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    protected ProcessManager processes;


    private ProcessInfo info(long pid) {
        return processes.info(pid).orElseThrow(() -> new AssertionError("no process " + pid));
    }

    /** The one-line error a failing command prints. */
    private String errorOf(String commandLine) {
        try {
            String out = executeCommand(commandLine);
            throw new AssertionError("expected '" + commandLine + "' to fail, it printed: " + out);
        } catch (AssertionError e) {
            if (e.getMessage().startsWith("expected '")) throw e;
            return e.getMessage();
        }
    }

    @Test
    public void spawnedProcessesAppearInPsAndRunTheirSyscalls() {
        long pid = spawn("agent:spawn -o itest counter '{\"limit\":1000000,\"sleepMs\":10}'");
        String ps = executeCommand("agent:ps -o itest");
        assertTrue(ps, ps.contains("PID") && ps.contains("STATE"));
        assertTrue(ps, Pattern.compile("(?m)^" + pid + "\\s+1\\s+itest\\s+counter\\s").matcher(ps).find());
        waitFor(() -> info(pid).usage().steps() > 10, WAIT, "steps of " + pid);
        String info = executeCommand("agent:info " + pid);
        assertTrue(info, info.contains("program      counter"));
        assertTrue(info, info.contains("clock.now"));
        executeCommand("agent:kill " + pid);
    }

    @Test
    public void theCallJournalShowsWhatAProcessWasGiven() {
        long pid = spawn("agent:spawn -o itest counter '{\"limit\":3,\"sleepMs\":5}'");
        executeCommand("agent:wait " + pid);
        String journal = executeCommand("agent:journal " + pid);
        assertTrue(journal, journal.contains("pid " + pid + ": counter of itest, started "));
        assertTrue(journal, journal.contains("clock.now") && journal.contains("proc.sleep") && journal.contains("{\"ms\":5}"));
        assertTrue(journal, journal.contains("exited "));
        String[] lines = executeCommand("agent:journal --json -n 1 " + pid).trim().split("\\R");
        assertEquals(String.join("\n", lines), 3, lines.length);
        assertTrue(lines[0], lines[0].startsWith("{\"kind\":\"start\",\"pid\":" + pid));
        assertTrue(lines[1], lines[1].startsWith("{\"kind\":\"result\"") && lines[1].contains("\"call\":"));
        assertTrue(lines[2], lines[2].startsWith("{\"kind\":\"exit\""));
        String none = errorOf("agent:journal 987654321");
        assertTrue(none, none.contains("ENOENT") && none.contains("journal holds nothing of pid 987654321"));
    }

    @Test
    public void theDebuggerBreaksStepsTracesReplaysAndForksAtAStep() throws Exception {
        long pid = spawn("agent:spawn -o itest counter '{\"limit\":0,\"sleepMs\":5}'");
        String set = executeCommand("agent:break " + pid + " proc.sleep");
        java.util.regex.Matcher id = Pattern.compile("breakpoint (\\d+): pid " + pid + " at proc.sleep").matcher(set);
        assertTrue(set, id.find());
        waitFor(() -> info(pid).state() == ProcessState.PAUSED, WAIT, "pid " + pid + " at its breakpoint");
        assertTrue(info(pid).waitingOn(), info(pid).waitingOn().contains("(proc.sleep): step ")
                && info(pid).waitingOn().contains("asks for proc.sleep {\"ms\":5}"));
        String state = executeCommand("agent:state " + pid);
        assertTrue(state, state.contains("\"pendingCall\"") && state.contains("\"syscall\" : \"proc.sleep\"")
                && state.contains("\"programState\""));
        long steps = info(pid).usage().steps();
        assertTrue(executeCommand("agent:step " + pid).contains("stepping pid " + pid));
        waitFor(() -> String.valueOf(info(pid).waitingOn()).startsWith("stepped"), WAIT, "one step");
        assertEquals(steps + 1, info(pid).usage().steps());
        assertTrue(executeCommand("agent:break -l " + pid).contains("proc.sleep"));
        executeCommand("agent:break -d " + id.group(1));
        assertTrue(executeCommand("agent:break -l " + pid).contains("no breakpoints"));
        executeCommand("agent:resume " + pid);
        String trace = executeCommand("agent:trace -c 4 " + pid);
        assertEquals(trace, 4, trace.lines().filter(l -> l.contains(" = ") && l.contains(" ms>")).count());
        assertTrue(trace, trace.contains("clock.now {} = {\"millis\":") && trace.contains("proc.sleep {\"ms\":5} = "));
        String top = executeCommand("agent:top -n 1 -d 0.3 -o itest");
        assertTrue(top, top.startsWith("agent:top ") && top.contains("workers ") && top.contains("steps/s ")
                && top.contains("syscalls/s "));
        assertTrue(top, Pattern.compile("PID\\s+OWNER\\s+PROGRAM\\s+STATE\\s+CPU%\\s+SYSCALLS/S\\s+TOKENS/S\\s+MEMORY")
                .matcher(top).find());
        assertTrue(top, Pattern.compile("(?m)^" + pid + "\\s+itest\\s+counter\\s").matcher(top).find());
        String replay = executeCommand("agent:replay " + pid);
        assertTrue(replay, replay.contains("replayed with counter: ") && replay.contains("identical"));
        String forked = executeCommand("agent:fork --at 2 " + pid);
        java.util.regex.Matcher child = Pattern.compile("forked pid (\\d+) from pid " + pid + " at step 2").matcher(forked);
        assertTrue(forked, child.find());
        long fork = Long.parseLong(child.group(1));
        waitFor(() -> info(fork).usage().steps() > 3, WAIT, "the fork to run");
        assertEquals("itest", info(fork).owner());
        assertTrue(errorOf("agent:break " + pid + " 'step x'").contains("EINVAL"));
        assertTrue(errorOf("agent:fork --at 2 --result '{oops' " + pid).contains("EINVAL"));
        assertTrue(errorOf("agent:top -s colour -n 1").contains("EINVAL"));
        executeCommand("agent:kill " + pid + " " + fork);
    }

    @Test
    public void pauseResumeAndKillFromTheConsoleAreAudited() {
        long pid = spawn("agent:spawn -o itest counter '{\"sleepMs\":10}'");
        waitFor(() -> info(pid).usage().steps() > 5, WAIT, "steps of " + pid);
        assertTrue(executeCommand("agent:pause " + pid).contains("paused " + pid));
        waitFor(() -> info(pid).state() == ProcessState.PAUSED, WAIT, "pid " + pid + " PAUSED");
        String paused = executeCommand("agent:ps -s paused");
        assertTrue(paused, paused.contains(Long.toString(pid)));
        long steps = info(pid).usage().steps();
        assertTrue(executeCommand("agent:resume " + pid).contains("resumed " + pid));
        waitFor(() -> info(pid).usage().steps() > steps, WAIT, "steps after resume");
        assertTrue(executeCommand("agent:kill " + pid).contains("killed " + pid));
        String waited = executeCommand("agent:wait " + pid);
        assertTrue(waited, waited.contains("killed: code 137"));
        String audit = executeCommand("kernel:audit -n 500 -p " + pid);
        for (String event : new String[] {"spawn", "pause", "resume", "kill", "clock.now"}) {
            assertTrue("audit of " + pid + " lacks " + event + ":\n" + audit, audit.contains(" " + event + " "));
        }
        assertEquals(ProcessState.KILLED, info(pid).state());
    }

    @Test
    public void aFanOutFamilySpawnsWaitsAndExitsCleanly() {
        long pid = spawn("agent:spawn -c proc:spawn fanout '{\"children\":3,\"count\":5}'");
        String waited = executeCommand("agent:wait -t 30 " + pid, Duration.ofSeconds(40));
        assertTrue(waited, waited.contains("exited: code 0"));
        assertTrue(info(pid).children().isEmpty());
        String audit = executeCommand("kernel:audit -n 50 -p " + pid + " --name proc.wait");
        assertTrue(audit, audit.contains("proc.wait ok"));
    }

    @Test
    public void aDeniedSyscallIsEpermAndAudited() {
        long pid = spawn("agent:spawn -o itest -c none:here fanout '{\"children\":1}'");
        String waited = executeCommand("agent:wait " + pid);
        assertTrue(waited, waited.contains("code 1"));
        String denied = executeCommand("kernel:audit -p " + pid + " --outcome EPERM");
        assertTrue(denied, denied.contains("proc.spawn EPERM") && denied.contains("proc:spawn"));
    }

    @Test
    public void badInputGivesOneLineErrorsWithAnErrno() {
        assertTrue(errorOf("agent:info 999999").contains("ESRCH: no process 999999"));
        assertTrue(errorOf("agent:spawn nosuchprogram").contains("ENOENT: no program 'nosuchprogram'"));
        assertTrue(errorOf("agent:spawn counter '[1,2]'").contains("EINVAL"));
        assertTrue(errorOf("agent:spawn counter '{\"limit\":-1}'").contains("EINVAL: counter: limit must be"));
        assertTrue(errorOf("agent:ps -s sleepy").contains("EINVAL: unknown state"));
        String e = errorOf("agent:resume 1");
        assertTrue(e, e.contains("EINVAL") && e.contains("not paused"));
        assertFalse(e, e.contains("\tat "));
    }

    @Test
    public void programsAndSubsystemsShowWhatIsInstalledAndBound() {
        String programs = executeCommand("agent:programs");
        for (String p : new String[] {"counter", "fanout", "heartbeat", "ping", "pong"}) {
            assertTrue(programs, programs.contains(p));
        }
        String subsystems = executeCommand("kernel:subsystems");
        assertTrue(subsystems, subsystems.contains("round-robin") && subsystems.contains("linux"));
    }

    @Test
    public void theKernelBundleRestartsAndItsProcessesContinue() throws Exception {
        long pid = spawn("agent:spawn -o itest counter '{\"sleepMs\":10}'");
        waitFor(() -> info(pid).usage().steps() > 10, WAIT, "steps of " + pid);
        org.osgi.framework.Bundle kernel = bundle("org.agentos.kernel.impl");
        kernel.stop();
        kernel.start();
        // The injected service belonged to the stopped kernel: look up the new one.
        waitFor(() -> {
            org.osgi.framework.ServiceReference<ProcessManager> ref = bundleContext.getServiceReference(ProcessManager.class);
            ProcessManager pm = ref == null ? null : bundleContext.getService(ref);
            try {
                return pm != null && pm.info(pid).map(i -> i.usage().steps() > 20 && "itest".equals(i.owner())).orElse(false);
            } finally {
                if (pm != null) bundleContext.ungetService(ref);
            }
        }, WAIT, "pid " + pid + " to go on after the kernel restarted");
        executeCommand("agent:kill " + pid);
    }
}
