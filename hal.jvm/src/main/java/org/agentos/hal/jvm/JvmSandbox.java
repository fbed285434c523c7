package org.agentos.hal.jvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.hal.CommandStreams;
import org.agentos.kernel.api.hal.Sandbox;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Launches commands with {@link ProcessBuilder} only: a working directory, an emptied
 * environment, a wall-clock timeout that kills the process and its descendants, and bounded
 * output. It cannot limit CPU, memory or processes, nor hide the host's files: use hal.linux.
 */
final class JvmSandbox implements Sandbox {
    private static final long GRACE_MILLIS = 2_000;

    private static final List<SandboxProtection> PROTECTIONS = List.of(
            new SandboxProtection("rlimits", false, "the portable HAL has no resource limits; use hal.linux"),
            new SandboxProtection("namespaces", false, "the portable HAL has no namespaces: the command sees the host's files and network"),
            new SandboxProtection("user", false, "commands run as the JVM's user"),
            new SandboxProtection("timeout", true, "kills the process and its descendants"),
            new SandboxProtection("output bound", true, "at most maxOutputBytes of stdout and of stderr are kept, the rest drained"),
            new SandboxProtection("environment", true, "emptied: PATH, HOME, LANG and the spec's variables only"),
            new SandboxProtection("process tree kill", true, "best effort: descendants at kill time"));

    @Override
    public List<SandboxProtection> protections() {
        return PROTECTIONS;
    }

    @Override
    public SandboxResult run(SandboxSpec spec) throws SyscallException {
        Launched l = launch(spec);
        boolean timedOut = false;
        try {
            if (!l.process().waitFor(spec.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                kill(l.process());
            }
        } catch (InterruptedException e) {
            kill(l.process());
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted: " + spec.command().get(0) + " was killed");
        }
        return finish(l, timedOut);
    }

    /**
     * As {@link #run}, without a thread waiting for the command: its exit (or its timeout's kill)
     * completes the stage; cancelling the stage kills it.
     */
    @Override
    public CompletionStage<SandboxResult> start(SandboxSpec spec) {
        Launched l;
        try {
            l = launch(spec);
        } catch (SyscallException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CommandStreams.whenEnded(l.process(), spec.timeout(), JvmSandbox::kill, timedOut -> finish(l, timedOut), FINISHING);
    }

    /** Threads that collect a started command's last output and kill what timed out; idle ones end. */
    private static final java.util.concurrent.ExecutorService FINISHING = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jvm-sandbox-finish");
        t.setDaemon(true);
        return t;
    });

    /** A command started, with its output being captured. */
    private record Launched(Process process, long startNanos, CommandStreams.Output out, CommandStreams.Output err) {}

    private static Launched launch(SandboxSpec spec) throws SyscallException {
        Path dir = spec.workDir();
        if (!Files.isDirectory(dir)) {
            throw new SyscallException(Errno.EINVAL, "the working directory " + dir
                    + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        ProcessBuilder pb = new ProcessBuilder(spec.command()).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", dir.toString());
        env.put("LANG", "C.UTF-8");
        try {
            env.putAll(spec.environment());
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "invalid environment variable: " + e.getMessage(), e);
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot launch " + spec.command().get(0) + ": " + e.getMessage(), e);
        }
        String name = "jvm-sandbox-" + process.pid();
        CommandStreams.Output out = CommandStreams.capture(process.getInputStream(), spec.maxOutputBytes(), name + "-stdout");
        CommandStreams.Output err = CommandStreams.capture(process.getErrorStream(), spec.maxOutputBytes(), name + "-stderr");
        CommandStreams.feed(process.getOutputStream(), spec.stdin(), name + "-stdin");
        return new Launched(process, start, out, err);
    }

    private static SandboxResult finish(Launched l, boolean timedOut) {
        long wallMillis = (System.nanoTime() - l.startNanos()) / 1_000_000;
        l.out().awaitEnd(GRACE_MILLIS);
        l.err().awaitEnd(GRACE_MILLIS);
        int exit = timedOut ? 137 : l.process().exitValue();
        int signal = timedOut ? 9 : exit > 128 && exit <= 128 + 64 ? exit - 128 : 0;
        return new SandboxResult(exit, signal, l.out().text(), l.err().text(), l.out().truncated(), l.err().truncated(),
                timedOut ? SandboxResult.TIMEOUT : null, wallMillis, PROTECTIONS);
    }

    /** Descendants first, while they can still be found through their parents, then the process. */
    private static void kill(Process process) {
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
