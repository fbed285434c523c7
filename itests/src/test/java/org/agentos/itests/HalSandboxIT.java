package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The HAL in the real distribution: an agent's shell.exec runs in the Linux HAL's sandbox inside
 * its workspace, not as root; kernel:swap hal moves the kernel to the portable HAL and back, and
 * running processes survive both swaps (checkpoint and restore).
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HalSandboxIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(60);


    /**
     * A command's output, or "" while it cannot run: during a HAL swap the kernel component
     * restarts, and its commands are briefly unregistered.
     */
    private String whileRestarting(String command) {
        try {
            return executeCommand(command);
        } catch (AssertionError | RuntimeException restarting) {
            return "";
        }
    }

    /** The exit line agent:wait prints, read through the console (no injected service: the kernel restarts here). */
    private String waitExit(long pid) {
        return executeCommand("agent:wait " + pid, WAIT);
    }

    @Test
    public void shellExecRunsSandboxedInTheAgentsWorkspace() {
        long pid = spawn("agent:spawn -o alice -c 'tool:shell.exec' call "
                + "'{\"syscall\":\"shell.exec\",\"args\":{\"command\":\"echo hello > note.txt; cat note.txt; id -u\"}}'");
        String exit = waitExit(pid);
        assertTrue(exit, exit.contains("code 0") && exit.contains("hello\\n"));
        assertTrue("never as root: " + exit, !exit.contains("hello\\n0\\n"));
        long denied = spawn("agent:spawn -o alice -c 'tool:json.query' call '{\"syscall\":\"shell.exec\",\"args\":{\"command\":\"true\"}}'");
        String refused = waitExit(denied);
        assertTrue(refused, refused.contains("EPERM") && refused.contains("tool:shell.exec"));
    }

    @Test
    public void theKernelMovesToThePortableHalAndBackAndProcessesSurvive() {
        long pid = spawn("agent:spawn -o survivor counter '{\"sleepMs\":100}'");
        String subsystems = executeCommand("kernel:subsystems");
        assertTrue(subsystems, Pattern.compile("(?m)^hal\\s+linux\\s").matcher(subsystems).find());
        assertTrue(subsystems, subsystems.contains("jvm (org.agentos.hal.jvm)"));
        assertTrue("the HAL says what its sandbox enforces:\n" + subsystems, subsystems.contains("sandbox"));
        try {
            assertTrue(executeCommand("kernel:swap hal jvm").contains("binding jvm"));
            waitFor(() -> Pattern.compile("(?m)^hal\\s+jvm\\s").matcher(whileRestarting("kernel:subsystems")).find(), WAIT,
                    "the kernel to run on the jvm HAL");
            waitFor(() -> whileRestarting("agent:info " + pid).matches("(?s).*state\\s*:?\\s*(RUNNING|READY|BLOCKED).*"), WAIT,
                    "pid " + pid + " to be alive after the swap");
            String after = whileRestarting("kernel:subsystems");
            assertTrue("the HAL swap and its pause are reported:\n" + after,
                    Pattern.compile("last swap linux -> jvm: the kernel restarted on it, \\d+ processes restored, paused \\d+ ms")
                            .matcher(after).find());
        } finally {
            executeCommand("kernel:swap hal auto");
        }
        waitFor(() -> Pattern.compile("(?m)^hal\\s+linux\\s").matcher(whileRestarting("kernel:subsystems")).find(), WAIT,
                "the kernel back on the linux HAL");
        waitFor(() -> whileRestarting("agent:info " + pid).contains("survivor"), WAIT, "pid " + pid + " after the swap back");
        String info = executeCommand("agent:info " + pid);
        assertEquals(info, -1, info.indexOf("KILLED"));
        assertEquals(info, -1, info.indexOf("EXITED"));
    }
}
