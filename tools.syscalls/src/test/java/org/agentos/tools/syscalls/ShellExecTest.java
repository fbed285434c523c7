package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.hal.Sandbox;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** shell.exec through the kernel, with a sandbox that records what it is asked to run. */
class ShellExecTest {
    @TempDir
    Path root;
    KernelHarness k;
    final FakeSandbox sandbox = new FakeSandbox();

    /** Records each spec and answers with {@link #result}, or fails with {@link #failure}. */
    static final class FakeSandbox implements Sandbox {
        final List<SandboxSpec> specs = new CopyOnWriteArrayList<>();
        volatile SandboxResult result = new SandboxResult(0, 0, "out", "err", false, false, null, 5, List.of(
                new SandboxProtection("rlimits", true, "prlimit"),
                new SandboxProtection("namespaces", false, "bubblewrap is not installed")));
        volatile SyscallException failure;

        @Override
        public SandboxResult run(SandboxSpec spec) throws SyscallException {
            specs.add(spec);
            if (failure != null) throw failure;
            return result;
        }

        @Override
        public List<SandboxProtection> protections() {
            return result.protections();
        }

        SandboxSpec last() {
            return specs.get(specs.size() - 1);
        }
    }

    @AfterEach
    void tearDown() {
        if (k != null) k.close();
    }

    ShellExec tool(ShellExec.Settings settings) {
        ShellExec t = new ShellExec(settings);
        t.hal = new LinuxHal() {
            @Override
            public Sandbox sandbox() {
                return sandbox;
            }
        };
        return t;
    }

    long process(String owner) throws Exception {
        return process(ShellExec.Settings.defaults(root), owner, "tool:shell.exec");
    }

    long process(ShellExec.Settings settings, String owner, String... capabilities) throws Exception {
        k = new KernelHarness(tool(settings));
        return k.spawn(owner, capabilities);
    }

    SyscallResult exec(long pid, Object... args) {
        return k.call(pid, "shell.exec", Args.of(args));
    }

    @Test
    void commandRunsThroughShInTheOwnersWorkspace() throws Exception {
        long pid = process("alice");
        SyscallResult r = exec(pid, "command", "echo hi | wc -c");
        assertTrue(r.isOk(), r.toString());
        SandboxSpec spec = sandbox.last();
        assertEquals(List.of("/bin/sh", "-c", "echo hi | wc -c"), spec.command());
        assertEquals(root.toRealPath().resolve("alice"), spec.workDir());
        JsonNode v = r.value();
        assertEquals(0, v.get("exitCode").asInt());
        assertEquals("out", v.get("stdout").asText());
        assertEquals("err", v.get("stderr").asText());
        assertTrue(v.get("limit").isNull());
        assertEquals(1, v.get("unprotected").size());
        assertEquals("namespaces", v.get("unprotected").get(0).get("name").asText());
        assertEquals("bubblewrap is not installed", v.get("unprotected").get(0).get("detail").asText());
    }

    @Test
    void argvRunsWithoutAShell() throws Exception {
        long pid = process("alice");
        assertTrue(exec(pid, "argv", Json.MAPPER.valueToTree(List.of("ls", "-l", "a b"))).isOk());
        assertEquals(List.of("ls", "-l", "a b"), sandbox.last().command());
    }

    @Test
    void commandAndArgvTogetherIsEinval() throws Exception {
        long pid = process("alice");
        SyscallResult r = exec(pid, "command", "ls", "argv", Json.MAPPER.valueToTree(List.of("ls")));
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("not both"), r.message());
        assertTrue(sandbox.specs.isEmpty());
    }

    @Test
    void neitherCommandNorArgvIsEinval() throws Exception {
        long pid = process("alice");
        SyscallResult r = exec(pid, "stdin", "x");
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("one of them"), r.message());
    }

    @Test
    void cwdThatEscapesTheWorkspaceIsEperm() throws Exception {
        long pid = process("alice");
        Files.createDirectories(root.resolve("bob"));
        for (String cwd : List.of("../bob", "/etc", "a/../../..")) {
            SyscallResult r = exec(pid, "command", "ls", "cwd", cwd);
            assertEquals(Errno.EPERM, r.errno(), cwd);
            assertTrue(r.message().startsWith("cwd escapes the workspace"), r.message());
        }
        assertTrue(sandbox.specs.isEmpty());
    }

    @Test
    void symbolicLinkOutOfTheWorkspaceIsEperm() throws Exception {
        long pid = process("alice");
        Files.createDirectories(root.resolve("alice"));
        Files.createSymbolicLink(root.resolve("alice/out"), root);
        assertEquals(Errno.EPERM, exec(pid, "command", "ls", "cwd", "out").errno());
    }

    @Test
    void missingCwdIsEnoentAndAnExistingOneIsUsed() throws Exception {
        long pid = process("alice");
        assertEquals(Errno.ENOENT, exec(pid, "command", "ls", "cwd", "src").errno());
        Files.createDirectories(root.resolve("alice/src/main"));
        assertTrue(exec(pid, "command", "ls", "cwd", "src/./main").isOk());
        assertEquals(root.toRealPath().resolve("alice/src/main"), sandbox.last().workDir());
    }

    @Test
    void aCommandsFilesGetOnlyWhatIsLeftOfTheOwnersWorkspace() throws Exception {
        ShellExec.Settings s = new ShellExec.Settings(root, 3, 100, 8, 2, 1, 4, 1000, 5000, false, 8); // 1 MiB in all
        long pid = process(s, "alice", "tool:shell.exec");
        assertTrue(exec(pid, "command", "true").isOk());
        assertEquals(1L << 20, sandbox.last().fileSizeBytes(), "an empty workspace: the whole MiB (below the 2 MiB per file)");
        Path ws = root.resolve("alice");
        Files.createDirectories(ws.resolve("out"));
        Files.write(ws.resolve("out/a.bin"), new byte[700 << 10]);
        assertTrue(exec(pid, "command", "true").isOk());
        assertEquals((1L << 20) - (700 << 10), sandbox.last().fileSizeBytes(), "what is left");
        Files.write(ws.resolve("b.bin"), new byte[400 << 10]);
        assertTrue(exec(pid, "command", "rm b.bin").isOk(), "a full workspace still runs commands (to clean up)");
        assertEquals(1, sandbox.last().fileSizeBytes(), "but they write nothing");
        long bob = process(s, "bob", "tool:shell.exec");
        assertTrue(exec(bob, "command", "true").isOk());
        assertEquals(1L << 20, sandbox.last().fileSizeBytes(), "another owner's workspace is its own");
    }

    @Test
    void limitsComeFromConfigurationAndTheTimeoutIsCapped() throws Exception {
        ShellExec.Settings s = new ShellExec.Settings(root, 3, 100, 8, 2, 1024, 4, 1000, 5000, false, 8);
        long pid = process(s, "alice", "tool:shell.exec");
        assertTrue(exec(pid, "command", "true", "timeoutMs", 999_999).isOk());
        SandboxSpec spec = sandbox.last();
        assertEquals(Duration.ofMillis(5000), spec.timeout());
        assertEquals(3, spec.cpuSeconds());
        assertEquals(100L << 20, spec.memoryBytes());
        assertEquals(8, spec.processes());
        assertEquals(2L << 20, spec.fileSizeBytes());
        assertEquals(4096, spec.maxOutputBytes());
        assertEquals(false, spec.network());
        assertTrue(exec(pid, "command", "true").isOk());
        assertEquals(Duration.ofMillis(1000), sandbox.last().timeout(), "the configured default");
    }

    @Test
    void workspaceIsCreatedUnderTheRootForTheOwner() throws Exception {
        long pid = process("carol");
        assertTrue(Files.notExists(root.resolve("carol")));
        assertTrue(exec(pid, "command", "true").isOk());
        assertTrue(Files.isDirectory(root.resolve("carol")));
    }

    @Test
    void envIsPassedAndBadNamesAreEinval() throws Exception {
        long pid = process("alice");
        assertTrue(exec(pid, "command", "env", "env", Args.of("GREETING", "hi", "_X1", "y")).isOk());
        assertEquals(Map.of("GREETING", "hi", "_X1", "y"), sandbox.last().environment());
        SyscallResult r = exec(pid, "command", "env", "env", Args.of("lower", "x"));
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("'lower'"), r.message());
    }

    @Test
    void missingCapabilityIsEperm() throws Exception {
        long pid = process(ShellExec.Settings.defaults(root), "alice", "tool:http.fetch:host=*");
        SyscallResult r = exec(pid, "command", "true");
        assertEquals(Errno.EPERM, r.errno());
        assertTrue(r.message().contains("'tool:shell.exec'"), r.message());
        assertTrue(sandbox.specs.isEmpty());
    }

    @Test
    void sandboxEnosysPassesThrough() throws Exception {
        long pid = process("alice");
        sandbox.failure = new SyscallException(Errno.ENOSYS, "this host cannot launch processes");
        SyscallResult r = exec(pid, "command", "true");
        assertEquals(Errno.ENOSYS, r.errno());
        assertEquals("this host cannot launch processes", r.message());
    }

    @Test
    void stdinAndOutputBytesAreCharged() throws Exception {
        long pid = process("alice");
        assertTrue(exec(pid, "command", "cat", "stdin", "abcd").isOk());
        assertEquals("abcd", sandbox.last().stdin());
        assertEquals(4 + 3 + 3, k.info(pid).usage().bytes());
    }

    @Test
    void limitThatEndedTheCommandIsReported() throws Exception {
        long pid = process("alice");
        sandbox.result = new SandboxResult(137, 9, "", "", false, true, SandboxResult.TIMEOUT, 1000, List.of());
        JsonNode v = exec(pid, "command", "sleep 100").value();
        assertEquals("timeout", v.get("limit").asText());
        assertEquals(9, v.get("signal").asInt());
        assertTrue(v.get("stderrTruncated").asBoolean());
    }

    /** With the real Linux sandbox: the workspace is prepared for its user (uid 65534 when run as root). */
    @Test
    void realSandboxRunsACommandInTheOwnersWorkspace() throws Exception {
        // @TempDir is private to root (700); a real workspace root, like ${karaf.data}, is searchable.
        java.nio.file.Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ShellExec t = new ShellExec(ShellExec.Settings.defaults(root));
        t.hal = new LinuxHal();
        k = new KernelHarness(t);
        long pid = k.spawn("alice", "tool:shell.exec");
        SyscallResult r = k.call(pid, "shell.exec", Args.of("command", "echo hello > note; cat note"));
        assertTrue(r.isOk(), r.toString());
        assertEquals("hello\n", r.value().get("stdout").asText());
        assertTrue(java.nio.file.Files.exists(root.resolve("alice/note")), "written in the owner's workspace on the host");
        assertEquals(0, r.value().get("exitCode").asInt());
    }

    /** A caller as a tool sees it, outside a kernel. */
    static ToolContext caller(String owner) {
        return new ToolContext() {
            public long pid() { return 7; }
            public String owner() { return owner; }
            public boolean permits(String capability) { return true; }
            public void chargeBytes(long bytes) {}
            public void chargeTokens(long tokens) {}
        };
    }

    /**
     * A waiting command holds no thread of its caller's: the call returns at once with a stage its
     * exit completes; cancelling the stage (a kill, a timeout) kills the command; one owner runs at
     * most commandsPerOwner at once.
     */
    @Test
    void aWaitingCommandHoldsNoThreadAndCancellingItKillsIt() throws Exception {
        java.nio.file.Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ShellExec t = new ShellExec(new ShellExec.Settings(root, 3, 100, 8, 2, 1024, 4, 10_000, 10_000, false, 2));
        t.hal = new LinuxHal();
        long before = System.nanoTime();
        java.util.concurrent.CompletableFuture<JsonNode> slow = t.callAsync(caller("alice"),
                Args.of("command", "sleep 2; echo late > late")).toCompletableFuture();
        java.util.concurrent.CompletableFuture<JsonNode> quick = t.callAsync(caller("alice"),
                Args.of("command", "sleep 0.2; echo done")).toCompletableFuture();
        assertTrue(System.nanoTime() - before < 1_500_000_000L, "both started without waiting for either");
        assertFalse(slow.isDone());
        java.util.concurrent.CompletionException third = assertThrows(java.util.concurrent.CompletionException.class,
                () -> t.callAsync(caller("alice"), Args.of("command", "true")).toCompletableFuture().join());
        assertEquals(Errno.EAGAIN, ((SyscallException) third.getCause()).errno(), "alice runs 2 already");
        assertEquals(0, t.callAsync(caller("bob"), Args.of("command", "true")).toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS).get("exitCode").asInt(), "bob has his own two");
        assertEquals("done\n", quick.get(10, java.util.concurrent.TimeUnit.SECONDS).get("stdout").asText());
        slow.cancel(true);
        Thread.sleep(3_000);
        assertFalse(java.nio.file.Files.exists(root.resolve("alice/late")), "the cancelled command was killed before it wrote");
        assertEquals(0, t.callAsync(caller("alice"), Args.of("command", "true")).toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS).get("exitCode").asInt(), "its turn is given back");
    }
}
