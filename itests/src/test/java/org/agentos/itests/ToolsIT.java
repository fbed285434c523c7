package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Tools as system calls in the real distribution: the standard tools are in the table and
 * callable from the console; a tool bundle installed at runtime is callable by agents at once,
 * and uninstalling it while a call is in flight gives that caller ENOSYS, not a hang.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ToolsIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    protected ProcessManager processes;


    private ExitStatus exit(long pid) throws Exception {
        return processes.awaitExit(pid).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void installExampleTools() {
        if (!executeCommand("feature:list -i").contains("agentos-tools-example")) {
            executeCommand("feature:install agentos-tools-example", Duration.ofSeconds(60));
        }
        waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats in the syscall table");
    }

    @Test
    public void theStandardToolsAreInTheTableAndCallableFromTheConsole() {
        String list = executeCommand("tool:list");
        for (String tool : new String[] {"http.fetch", "shell.exec", "llm.chat", "json.query", "tool.list", "tool.describe"}) {
            assertTrue(tool + " in:\n" + list, Pattern.compile("(?m)^" + Pattern.quote(tool) + "\\s").matcher(list).find());
        }
        assertTrue(list, Pattern.compile("(?m)^http\\.fetch\\s.*org\\.agentos\\.tools\\.syscalls").matcher(list).find());
        String describe = executeCommand("tool:describe json.query");
        assertTrue(describe, describe.contains("\"pointer\"") && describe.contains("\"resourceClass\" : \"cpu\""));
        String result = executeCommand("tool:call json.query '{\"document\":{\"a\":[1,2,3]},\"pointer\":\"/a/1\"}'");
        assertTrue(result, result.contains("\"count\" : 1"));
        String audit = executeCommand("kernel:audit -n 5 --name json.query");
        assertTrue("the gateway attributes the call to its bundle:\n" + audit, audit.contains("via org.agentos.kernel.impl"));
        try {
            executeCommand("tool:call json.query '{\"document\":{}}'");
            throw new IllegalStateException("a call without its required argument was accepted");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EINVAL"));
        }
    }

    @Test
    public void aToolBundleInstalledAtRuntimeIsCallableByAnAgentAtOnce() throws Exception {
        installExampleTools();
        long pid = spawn("agent:spawn call '{\"syscall\":\"text.stats\",\"args\":{\"text\":\"one two two\"}}'");
        ExitStatus s = exit(pid);
        assertEquals(s.reason(), 0, s.code());
        assertTrue(s.reason(), s.reason().contains("\"words\":3"));
        String describe = executeCommand("tool:describe csv.query");
        assertTrue(describe, describe.contains("org.agentos.tools.example"));
    }

    @Test
    public void uninstallingAToolBundleMidCallGivesTheCallerEnosys() throws Exception {
        installExampleTools();
        long pid = spawn("agent:spawn -c 'tool:example.wait' call '{\"syscall\":\"example.wait\",\"args\":{\"ms\":60000}}'");
        waitFor(() -> processes.info(pid).map(i -> i.state() == ProcessState.BLOCKED).orElse(false), WAIT,
                "pid " + pid + " BLOCKED in example.wait");
        executeCommand("feature:uninstall agentos-tools-example", Duration.ofSeconds(60));
        ExitStatus s = exit(pid); // well before the 60 s the call asked for
        assertEquals(s.reason(), 1, s.code());
        assertTrue(s.reason(), s.reason().startsWith("ENOSYS"));
        assertTrue(executeCommand("tool:list").indexOf("example.wait") < 0);
        long late = spawn("agent:spawn call '{\"syscall\":\"text.stats\",\"args\":{\"text\":\"x\"}}'");
        assertTrue(exit(late).reason().startsWith("ENOSYS"));
    }
}
