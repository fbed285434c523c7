package org.agentos.hal.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JvmSandboxTest {
    private final JvmSandbox sandbox = new JvmSandbox();

    @TempDir
    Path dir;

    private static boolean anyProcessWith(String marker) {
        return ProcessHandle.allProcesses()
                .anyMatch(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
    }

    /** Waits (bounded) until no process's command line holds {@code marker}. */
    private static void assertNoProcessLeft(String marker) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (anyProcessWith(marker)) {
            if (System.nanoTime() > deadline) fail("processes of the command are still running: " + marker);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void runsACommandInItsWorkingDirectory() throws Exception {
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("/bin/echo", "hello"), dir).build());
        assertEquals("hello\n", r.stdout());
        assertEquals(0, r.exitCode());
        assertNull(r.limit());
        Files.writeString(dir.resolve("here"), "");
        assertEquals("here\n", sandbox.run(SandboxSpec.builder(List.of("ls"), dir).build()).stdout());
    }

    @Test
    void aStartedCommandCompletesItsStageAndACancelKillsIt() throws Exception {
        var done = sandbox.start(SandboxSpec.builder(List.of("/bin/echo", "later"), dir).build()).toCompletableFuture();
        assertEquals("later\n", done.get(10, TimeUnit.SECONDS).stdout());
        String marker = "61.0" + System.nanoTime();
        long before = System.nanoTime();
        var waiting = sandbox.start(SandboxSpec.builder(List.of("sleep", marker), dir).timeout(Duration.ofSeconds(60)).build())
                .toCompletableFuture();
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(2), "start returns without waiting for the command");
        assertTrue(anyProcessWith(marker));
        waiting.cancel(true);
        assertNoProcessLeft(marker);
        String timed = "62.0" + System.nanoTime();
        SandboxResult r = sandbox.start(SandboxSpec.builder(List.of("sleep", timed), dir).timeout(Duration.ofMillis(300)).build())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(SandboxResult.TIMEOUT, r.limit());
        assertNoProcessLeft(timed);
    }

    @Test
    void timeoutKillsTheCommand() throws Exception {
        String marker = "60.0" + System.nanoTime();
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("sleep", marker), dir).timeout(Duration.ofMillis(300)).build());
        assertEquals(SandboxResult.TIMEOUT, r.limit());
        assertEquals(137, r.exitCode());
        assertEquals(9, r.signal());
        assertTrue(r.wallMillis() < 3000, r::toString);
        assertNoProcessLeft(marker);
    }

    @Test
    void timeoutKillsTheCommandsChildrenToo() throws Exception {
        String marker = "60.0" + System.nanoTime();
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("/bin/sh", "-c", "sleep " + marker + " & sleep " + marker), dir)
                .timeout(Duration.ofMillis(300)).build());
        assertEquals(SandboxResult.TIMEOUT, r.limit());
        assertNoProcessLeft(marker);
    }

    @Test
    void outputFloodIsCutAtTheBound() throws Exception {
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("head", "-c", "50000000", "/dev/zero"), dir)
                .maxOutputBytes(64 * 1024).timeout(Duration.ofSeconds(5)).build());
        assertEquals(64 * 1024, r.stdout().length());
        assertTrue(r.stdoutTruncated());
        assertEquals(0, r.exitCode(), "the command ran to its end, its output drained");
    }

    @Test
    void environmentHoldsOnlyWhatTheSandboxSets() throws Exception {
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("env"), dir).env("GREETING", "hello").build());
        List<String> names = r.stdout().lines().map(l -> l.substring(0, l.indexOf('='))).sorted().toList();
        assertEquals(List.of("GREETING", "HOME", "LANG", "PATH"), names, r.stdout());
        assertFalse(r.stdout().contains("JAVA_HOME"));
    }

    @Test
    void stdinIsPassedToTheCommand() throws Exception {
        SandboxResult r = sandbox.run(SandboxSpec.builder(List.of("cat"), dir).stdin("to cat\n").build());
        assertEquals("to cat\n", r.stdout());
    }

    @Test
    void missingWorkDirIsInvalid() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("true"), dir.resolve("nowhere")).build()));
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void fileAsWorkDirIsInvalid() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        SyscallException e = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("true"), file).build()));
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void unknownCommandFailsToLaunch() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("/nonexistent/agentos-tool"), dir).build()));
        assertEquals(Errno.EIO, e.errno());
    }

    @Test
    void protectionsSayWhatIsOff() {
        assertTrue(sandbox.protections().stream().anyMatch(p -> p.name().equals("namespaces") && !p.enforced()));
        assertTrue(sandbox.protections().stream().anyMatch(p -> p.name().equals("timeout") && p.enforced()));
    }
}
