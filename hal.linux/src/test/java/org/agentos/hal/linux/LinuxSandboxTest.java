package org.agentos.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each hostile command must be both contained and reported. Runs in both modes where it makes
 * sense: bubblewrap (skipped where it does not work) and the session fallback (bubblewrap off).
 * Limits are small so that a failure cannot hurt the machine; as root, commands run as nobody.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LinuxSandboxTest {
    private static final int NOBODY = 65534;
    private static final LinuxSandbox BUBBLEWRAP = new LinuxSandbox(LinuxSandbox.Settings.defaults());
    private static final LinuxSandbox SESSION = new LinuxSandbox(
            new LinuxSandbox.Settings(false, NOBODY, NOBODY, LinuxSandbox.Settings.DEFAULT_READ_ONLY));
    private static final boolean ROOT = LinuxSandbox.effectiveUid() == 0;

    @TempDir
    Path tmp;

    /** A workspace the sandbox user may write: as root, handed over to nobody as a caller must. */
    private Path workDir() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("work"));
        if (ROOT) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setAttribute(dir, "unix:uid", NOBODY);
            Files.setAttribute(dir, "unix:gid", NOBODY);
        }
        return dir;
    }

    private static LinuxSandbox sandbox(String mode) {
        if (mode.equals("bubblewrap")) {
            assumeTrue(BUBBLEWRAP.namespaces(), () -> "bubblewrap does not work here: " + BUBBLEWRAP.protections());
            return BUBBLEWRAP;
        }
        return SESSION;
    }

    private static SandboxSpec.Builder sh(Path dir, String script, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("/bin/sh", "-c", script));
        argv.addAll(List.of(args));
        return SandboxSpec.builder(argv, dir);
    }

    private static boolean anyProcessWith(String marker) {
        return ProcessHandle.allProcesses()
                .anyMatch(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
    }

    /** Waits (bounded) until no process's command line holds {@code marker}. */
    private static void assertNoProcessLeft(String marker) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (anyProcessWith(marker)) {
            if (System.nanoTime() > deadline) fail("processes of the sandbox are still running: " + marker);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void forkBombIsContainedAndLeavesNoProcessBehind(String mode) throws Exception {
        LinuxSandbox sandbox = sandbox(mode);
        String marker = "bomb-" + UUID.randomUUID();
        SandboxResult r = sandbox.run(sh(workDir(), "bomb() { bomb | bomb & }; bomb", marker)
                .processes(32).timeout(Duration.ofSeconds(3)).build());
        assertTrue(r.wallMillis() < 4000, r::toString);
        assertNoProcessLeft(marker);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void infiniteLoopEndsAtTheCpuLimitBeforeTheTimeout(String mode) throws Exception {
        SandboxResult r = sandbox(mode).run(sh(workDir(), "while :; do :; done")
                .cpuSeconds(1).timeout(Duration.ofSeconds(10)).build());
        assertEquals(SandboxResult.CPU, r.limit(), r::toString);
        assertTrue(r.signal() == 24 || r.signal() == 9, r::toString);
        assertEquals(128 + r.signal(), r.exitCode());
        assertTrue(r.wallMillis() < 6000, r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void sleepEndsAtTheTimeout(String mode) throws Exception {
        String marker = "30.0" + System.nanoTime();
        SandboxResult r = sandbox(mode).run(SandboxSpec.builder(List.of("sleep", marker), workDir())
                .timeout(Duration.ofMillis(500)).build());
        assertEquals(SandboxResult.TIMEOUT, r.limit());
        assertEquals(137, r.exitCode());
        assertEquals(9, r.signal());
        assertTrue(r.wallMillis() < 3000, r::toString);
        assertNoProcessLeft(marker);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void memoryHogFailsWithinItsLimit(String mode) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "perl is not installed");
        SandboxResult r = sandbox(mode).run(SandboxSpec.builder(List.of("perl", "-e", "$x = 'x' x (800*1024*1024); print 'allocated'"), workDir())
                .memoryBytes(256L << 20).timeout(Duration.ofSeconds(5)).build());
        assertNotEquals(0, r.exitCode(), r::toString);
        assertFalse(r.stdout().contains("allocated"));
        assertNotEquals(SandboxResult.TIMEOUT, r.limit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void outputFloodIsCutAtTheBoundAndTheCallReturns(String mode) throws Exception {
        SandboxResult r = sandbox(mode).run(SandboxSpec.builder(List.of("yes"), workDir())
                .maxOutputBytes(64 * 1024).timeout(Duration.ofSeconds(2)).build());
        assertEquals(64 * 1024, r.stdout().length());
        assertTrue(r.stdoutTruncated());
        assertFalse(r.stderrTruncated());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void bigFileEndsAtTheFileSizeLimit(String mode) throws Exception {
        Path dir = workDir();
        SandboxResult r = sandbox(mode).run(sh(dir, "head -c 100000 /dev/zero > big").fileSizeBytes(4096).build());
        assertEquals(SandboxResult.FILE_SIZE, r.limit(), r::toString);
        assertEquals(25, r.signal());
        assertTrue(Files.size(dir.resolve("big")) <= 4096);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void aCommandKeptOpenServesOverItsStreamsAndItsTreeGoesWhenClosed(String mode) throws Exception {
        LinuxSandbox sandbox = sandbox(mode);
        Path dir = workDir();
        String sleeper = "sleep 317." + (System.nanoTime() % 1000); // a command line no other test has
        var p = sandbox.open(sh(dir, sleeper + " & while read line; do echo \"got $line\"; echo oops >&2; done").build());
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.stdout()))) {
            p.stdin().write("one\ntwo\n".getBytes());
            p.stdin().flush();
            assertEquals("got one", in.readLine());
            assertEquals("got two", in.readLine());
            assertTrue(p.isAlive());
            assertTrue(ProcessHandle.allProcesses().anyMatch(h -> h.info().commandLine().orElse("").contains(sleeper)));
            p.close();
            p.onExit().toCompletableFuture().get(5, TimeUnit.SECONDS); // it has ended
            assertFalse(p.isAlive());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (ProcessHandle.allProcesses().anyMatch(h -> h.isAlive() && h.info().commandLine().orElse("").contains(sleeper))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(ProcessHandle.allProcesses().anyMatch(h -> h.isAlive() && h.info().commandLine().orElse("").contains(sleeper)),
                    "what it started went with it");
        }
        assertTrue(p.stderr().contains("oops"), p.stderr());
    }

    @Test
    void escapesFromTheWorkspaceFailAndNothingIsWrittenOutsideIt() throws Exception {
        LinuxSandbox sandbox = sandbox("bubblewrap");
        Path dir = workDir();
        String name = "agentos-escape-" + UUID.randomUUID();
        String script = String.join("\n",
                "try() { if eval \"$2\" >/dev/null 2>&1; then echo \"ESCAPED $1\"; else echo \"blocked $1\"; fi; }",
                "try etc 'echo x > /etc/" + name + "'",
                "try root 'echo x > /root/" + name + "'",
                "try parent 'echo x > ../" + name + "'",
                "try shadow 'cat /etc/shadow'",
                "try rootdir 'ls /root'",
                "try link 'ln -s / r && cat r/etc/shadow'",
                "echo inside > inside.txt");
        SandboxResult r = sandbox.run(sh(dir, script).build());
        assertEquals(0, r.exitCode(), r::toString);
        assertFalse(r.stdout().contains("ESCAPED"), r.stdout());
        assertEquals(6, r.stdout().lines().filter(l -> l.startsWith("blocked")).count(), r.stdout());
        assertFalse(Files.exists(Path.of("/etc", name)));
        assertFalse(Files.exists(Path.of("/root", name)));
        assertFalse(Files.exists(dir.getParent().resolve(name)));
        assertEquals("inside\n", Files.readString(dir.resolve("inside.txt")));
    }

    @Test
    void sessionModeSaysTheFilesystemIsOpenAndDoesNotRunAsRoot() throws Exception {
        assertFalse(protection(SESSION, "filesystem").enforced());
        SandboxResult r = SESSION.run(SandboxSpec.builder(List.of("id", "-u"), workDir()).build());
        assertEquals(0, r.exitCode(), r::toString);
        if (ROOT) assertEquals(Integer.toString(NOBODY), r.stdout().strip());
        else assertNotEquals("0", r.stdout().strip());
    }

    /** Where bubblewrap has no namespaces the tests that need them are skipped: say so where CI output shows it. */
    @org.junit.jupiter.api.BeforeAll
    static void sayLoudlyWhenNamespacesAreMissing() {
        if (!BUBBLEWRAP.namespaces()) {
            System.err.println("\n*** WARNING: bubblewrap has no namespaces on this machine: the sandbox's escape, network"
                    + " and pid-namespace tests are SKIPPED. Protections: " + BUBBLEWRAP.protections() + "\n");
        }
    }

    @Test
    void aCommandCannotReachAServerOnTheHostsLoopback() throws Exception {
        LinuxSandbox bwrap = sandbox("bubblewrap");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(1000);
            SandboxResult r = bwrap.run(SandboxSpec.builder(List.of("/bin/bash", "-c",
                    "echo reached > /dev/tcp/127.0.0.1/" + server.getLocalPort()), workDir()).build());
            assertFalse(r.exitCode() == 0, "the connect succeeded: " + r);
            try (java.net.Socket s = server.accept()) {
                throw new AssertionError("the sandboxed command connected to the host's 127.0.0.1: " + r);
            } catch (java.net.SocketTimeoutException expected) {
                // nothing came: the command's 127.0.0.1 is its own network namespace's
            }
        }
    }

    @Test
    void aCommandRunsInAPidNamespaceOfItsOwn() throws Exception {
        SandboxResult r = sandbox("bubblewrap").run(sh(workDir(), "echo $$").build());
        int pid = Integer.parseInt(r.stdout().strip());
        assertTrue(pid < 10, "in a pid namespace of its own the command's shell is one of the first pids, not " + pid + ": " + r);
    }

    @Test
    void bubblewrapRunsAsTheSandboxUserInside() throws Exception {
        SandboxResult r = sandbox("bubblewrap").run(SandboxSpec.builder(List.of("id", "-u"), workDir()).build());
        assertEquals(Integer.toString(NOBODY), r.stdout().strip(), r::toString);
    }

    @Test
    void detachedChildIsKilledWhenTheCommandExits() throws Exception {
        String marker = "60.0" + System.nanoTime();
        SandboxResult r = sandbox("bubblewrap").run(sh(workDir(), "setsid sleep " + marker + " >/dev/null 2>&1 & echo started").build());
        assertEquals("started", r.stdout().strip());
        assertNoProcessLeft(marker);
    }

    @Test
    void detachedChildIsKilledWhenTheCommandTimesOut() throws Exception {
        String marker = "60.0" + System.nanoTime();
        SandboxResult r = sandbox("bubblewrap").run(sh(workDir(), "setsid sleep " + marker + " & sleep 30")
                .timeout(Duration.ofMillis(500)).build());
        assertEquals(SandboxResult.TIMEOUT, r.limit());
        assertNoProcessLeft(marker);
    }

    @Test
    void backgroundChildInTheSessionModeEndsWithTheCommand() throws Exception {
        String marker = "60.0" + System.nanoTime();
        SandboxResult r = SESSION.run(sh(workDir(), "sleep " + marker + " & echo started").build());
        assertEquals("started", r.stdout().strip());
        assertNoProcessLeft(marker);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void environmentHoldsOnlyWhatTheSandboxSets(String mode) throws Exception {
        SandboxResult r = sandbox(mode).run(SandboxSpec.builder(List.of("env"), workDir()).env("GREETING", "hello").build());
        List<String> names = r.stdout().lines().map(l -> l.substring(0, l.indexOf('='))).sorted().toList();
        assertTrue(List.of("GREETING", "HOME", "LANG", "PATH", "PWD").containsAll(names), r.stdout());
        assertTrue(r.stdout().contains("GREETING=hello"));
        assertTrue(r.stdout().contains("PATH=/usr/bin:/bin"));
        assertFalse(r.stdout().contains("JAVA_HOME"));
        assertFalse(r.stdout().contains("HOME=" + System.getProperty("user.home") + "\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void stdinIsPassedToTheCommand(String mode) throws Exception {
        SandboxResult r = sandbox(mode).run(SandboxSpec.builder(List.of("cat"), workDir()).stdin("hello\nsandbox\n").build());
        assertEquals("hello\nsandbox\n", r.stdout());
        assertEquals(0, r.exitCode());
        assertEquals(0, r.signal());
        assertNull(r.limit());
    }

    @Test
    void bubblewrapModeReportsNamespacesEnforced() {
        LinuxSandbox sandbox = sandbox("bubblewrap");
        assertTrue(protection(sandbox, "namespaces").enforced());
        assertTrue(protection(sandbox, "filesystem").enforced());
        assertTrue(protection(sandbox, "network").enforced());
    }

    @Test
    void sessionModeReportsNamespacesOffWithTheReason() {
        SandboxProtection ns = protection(SESSION, "namespaces");
        assertFalse(ns.enforced());
        assertTrue(ns.detail().contains("turned off in the configuration"), ns::toString);
        assertFalse(protection(SESSION, "network").enforced());
        assertTrue(protection(SESSION, "rlimits").enforced());
    }

    @Test
    void networkForOneRunIsReportedInItsResult() throws Exception {
        SandboxResult r = sandbox("bubblewrap").run(SandboxSpec.builder(List.of("true"), workDir()).network(true).build());
        assertFalse(r.protections().stream().filter(p -> p.name().equals("network")).findFirst().orElseThrow().enforced());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bubblewrap", "session"})
    void missingOrFileWorkDirIsInvalid(String mode) throws Exception {
        LinuxSandbox sandbox = sandbox(mode);
        SyscallException missing = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("true"), tmp.resolve("nowhere")).build()));
        assertEquals(Errno.EINVAL, missing.errno());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        SyscallException notDir = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("true"), file).build()));
        assertEquals(Errno.EINVAL, notDir.errno());
        assertTrue(notDir.getMessage().contains("not a directory"));
    }

    @Test
    void asRootAWorkDirTheSandboxUserCannotWriteIsInvalid() throws Exception {
        assumeTrue(ROOT, "only root hands commands to another user");
        Path rootOwned = Files.createDirectory(tmp.resolve("root-owned"));
        SyscallException e = assertThrows(SyscallException.class,
                () -> SESSION.run(SandboxSpec.builder(List.of("true"), rootOwned).build()));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("chown"), e.getMessage());
    }

    @Test
    void interruptKillsTheCommandAndReportsEintr() throws Exception {
        LinuxSandbox sandbox = sandbox("session");
        String marker = "30.0" + System.nanoTime();
        Path dir = workDir();
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!anyProcessWith(marker) && System.nanoTime() < deadline) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            caller.interrupt();
        });
        interrupter.start();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sandbox.run(SandboxSpec.builder(List.of("sleep", marker), dir).build()));
        assertEquals(Errno.EINTR, e.errno());
        assertTrue(Thread.interrupted(), "the interrupt flag stays set");
        interrupter.join();
        assertNoProcessLeft(marker);
    }

    @Test
    void linuxHalSandboxWorksWithoutActivation() throws Exception {
        LinuxHal hal = new LinuxHal();
        assertSame(hal.sandbox(), hal.sandbox());
        SandboxResult r = hal.sandbox().run(SandboxSpec.builder(List.of("echo", "hi"), workDir()).build());
        assertEquals("hi\n", r.stdout());
    }

    @Test
    void signalsMapToTheLimitsThatSentThem() {
        assertEquals(SandboxResult.CPU, LinuxSandbox.limitOf(24, 100, 10));
        assertEquals(SandboxResult.CPU, LinuxSandbox.limitOf(9, 11_000, 10));
        assertNull(LinuxSandbox.limitOf(9, 50, 10));
        assertEquals(SandboxResult.FILE_SIZE, LinuxSandbox.limitOf(25, 100, 10));
        assertNull(LinuxSandbox.limitOf(0, 100, 10));
    }

    @Test
    void symlinkedPathsAreRecreatedAndMissingOnesSkipped() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ro"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Path.of("ro"));
        List<String> args = LinuxSandbox.readOnlyBinds(List.of(dir.toString(), link.toString(), tmp.resolve("missing").toString()));
        assertEquals(List.of("--ro-bind", dir.toString(), dir.toString(), "--symlink", "ro", link.toString()), args);
    }

    private static SandboxProtection protection(LinuxSandbox s, String name) {
        return s.protections().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }
}
