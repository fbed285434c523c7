package org.agentos.hal.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.hal.CommandStreams;
import org.agentos.kernel.api.hal.Sandbox;
import org.agentos.kernel.api.hal.SandboxProcess;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Runs host commands confined by bubblewrap namespaces (only the working directory writable, at
 * {@code /work}; no network; a pid namespace, so nothing outlives the command) and by rlimits set
 * with {@code prlimit}. Without bubblewrap it falls back to a new session and process group, the
 * same rlimits and an emptied environment, and {@link #protections()} says what is then off.
 *
 * <p>When the JVM runs as root, every command runs as the configured sandbox user on the host
 * ({@code setpriv}), in both modes: bubblewrap started by root would map the sandbox user to host
 * root, and the kernel does not enforce RLIMIT_NPROC for root, so a fork bomb would not be
 * contained. The working directory must therefore be writable by that user.
 */
final class LinuxSandbox implements Sandbox {

    /** The sandbox's configuration, independent of OSGi so that it also works with {@code new LinuxHal()}. */
    record Settings(boolean bubblewrap, int uid, int gid, List<String> readOnlyPaths) {
        static final List<String> DEFAULT_READ_ONLY = List.of("/usr", "/bin", "/lib", "/lib64", "/etc/alternatives", "/etc/ssl/certs");

        Settings {
            readOnlyPaths = List.copyOf(readOnlyPaths);
        }

        static Settings defaults() {
            return new Settings(true, 65534, 65534, DEFAULT_READ_ONLY);
        }
    }

    private static final String PATH = "/usr/bin:/bin";
    private static final int NOFILE = 256;
    /** How long a probe of bubblewrap, a group kill or the last output may take. */
    private static final long PROBE_MILLIS = 5_000;
    private static final long GRACE_MILLIS = 2_000;

    private final Settings settings;
    private final boolean root;
    private final String bwrap;
    private final String prlimit;
    private final String setsid;
    private final String setpriv;
    private final String kill;
    /** Why bubblewrap is not used, or null when it is. */
    private final String noNamespaces;
    /** Why nothing can run at all, or null. */
    private final String unavailable;
    private final List<String> readOnlyBinds;
    private final List<SandboxProtection> protections;

    LinuxSandbox(Settings settings) {
        this.settings = settings;
        this.root = effectiveUid() == 0;
        this.bwrap = tool("bwrap");
        this.prlimit = tool("prlimit");
        this.setsid = tool("setsid");
        this.setpriv = tool("setpriv");
        this.kill = tool("kill");
        this.unavailable = root && setpriv == null
                ? "refusing to run commands as root: setpriv is not installed (apt-get install util-linux)" : null;
        this.readOnlyBinds = readOnlyBinds(settings.readOnlyPaths());
        String why;
        if (!settings.bubblewrap()) why = "bubblewrap is turned off in the configuration";
        else if (bwrap == null) why = "bubblewrap is not installed: apt-get install bubblewrap";
        else if (unavailable != null) why = unavailable;
        else why = probe();
        this.noNamespaces = why;
        this.protections = List.copyOf(describe());
    }

    /** True when commands run in bubblewrap namespaces. */
    boolean namespaces() {
        return noNamespaces == null;
    }

    @Override
    public List<SandboxProtection> protections() {
        return protections;
    }

    @Override
    public SandboxResult run(SandboxSpec spec) throws SyscallException {
        Launched l = launch(spec);
        boolean timedOut = false;
        try {
            if (!l.process.waitFor(spec.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                killTree(l.process);
            }
        } catch (InterruptedException e) {
            killTree(l.process);
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted: " + spec.command().get(0) + " was killed");
        }
        return finish(l, timedOut);
    }

    /**
     * As {@link #run}, without a thread waiting for the command: its exit (or its timeout's kill)
     * completes the stage, and the last output is collected on a thread of {@link #finishing}.
     */
    @Override
    public CompletionStage<SandboxResult> start(SandboxSpec spec) {
        Launched l;
        try {
            l = launch(spec);
        } catch (SyscallException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CommandStreams.whenEnded(l.process, spec.timeout(), this::killTree, timedOut -> finish(l, timedOut), finishing);
    }

    /**
     * A command kept running with its streams open to the caller (an MCP server over stdio):
     * launched and confined as {@link #run}'s, its standard error captured (bounded), killed with
     * its tree at its timeout or when closed.
     */
    @Override
    public SandboxProcess open(SandboxSpec spec) throws SyscallException {
        Process process = startConfined(spec);
        CommandStreams.Output err = CommandStreams.capture(process.getErrorStream(), spec.maxOutputBytes(),
                "sandbox-" + process.pid() + "-stderr");
        CompletableFuture<Integer> exit = CommandStreams.whenEnded(process, spec.timeout(), this::killTree,
                timedOut -> timedOut ? 137 : process.exitValue(), finishing);
        return new SandboxProcess() {
            @Override public java.io.OutputStream stdin() { return process.getOutputStream(); }
            @Override public java.io.InputStream stdout() { return process.getInputStream(); }
            @Override public String stderr() { return err.text(); }
            @Override public boolean isAlive() { return process.isAlive(); }
            @Override public CompletionStage<Integer> onExit() { return exit; }
            @Override public void close() {
                killTree(process); // also what it left behind once it ended (its process group, in the session mode)
            }
        };
    }

    /** Threads that collect a started command's last output and kill what timed out or was cancelled; idle ones end. */
    private final java.util.concurrent.ExecutorService finishing = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-finish");
        t.setDaemon(true);
        return t;
    });

    /** A command started, with its output being captured. */
    private record Launched(SandboxSpec spec, Process process, long startNanos, CommandStreams.Output out,
                            CommandStreams.Output err) {}

    private Launched launch(SandboxSpec spec) throws SyscallException {
        long start = System.nanoTime();
        Process process = startConfined(spec);
        String name = "sandbox-" + process.pid();
        CommandStreams.Output out = CommandStreams.capture(process.getInputStream(), spec.maxOutputBytes(), name + "-stdout");
        CommandStreams.Output err = CommandStreams.capture(process.getErrorStream(), spec.maxOutputBytes(), name + "-stderr");
        CommandStreams.feed(process.getOutputStream(), spec.stdin(), name + "-stdin");
        return new Launched(spec, process, start, out, err);
    }

    /** Starts {@code spec}'s command confined: bubblewrap's namespaces, or a session of its own; the sandbox user, rlimits. */
    private Process startConfined(SandboxSpec spec) throws SyscallException {
        if (unavailable != null) throw new SyscallException(Errno.ENOSYS, unavailable);
        Path workDir = checkWorkDir(spec.workDir());
        checkEnvironment(spec.environment());
        List<String> argv = namespaces() ? bubblewrapCommand(spec, workDir) : sessionCommand(spec);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        if (!namespaces()) {
            // bubblewrap gets its environment through --setenv; the session mode through ours
            env.put("PATH", PATH);
            env.put("HOME", workDir.toString());
            env.put("LANG", "C.UTF-8");
            env.putAll(spec.environment());
        }
        try {
            return pb.start();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot launch " + spec.command().get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The result of a command that ended (or was killed at its timeout). */
    private SandboxResult finish(Launched l, boolean timedOut) {
        long wallMillis = (System.nanoTime() - l.startNanos()) / 1_000_000;
        if (!namespaces()) {
            // background children left in the command's process group end with it
            killGroup(l.process().pid());
        }
        l.out().awaitEnd(GRACE_MILLIS);
        l.err().awaitEnd(GRACE_MILLIS);
        int exit = timedOut ? 137 : l.process().exitValue();
        int signal = timedOut ? 9 : exit > 128 && exit <= 128 + 64 ? exit - 128 : 0;
        String limit = timedOut ? SandboxResult.TIMEOUT : limitOf(signal, wallMillis, l.spec().cpuSeconds());
        return new SandboxResult(exit, signal, l.out().text(), l.err().text(), l.out().truncated(), l.err().truncated(), limit,
                wallMillis, protectionsFor(l.spec()));
    }

    /** The limit a signal stands for: SIGXCPU, or SIGKILL once the hard CPU limit passed; SIGXFSZ. */
    static String limitOf(int signal, long wallMillis, long cpuSeconds) {
        if (signal == 24) return SandboxResult.CPU;
        if (signal == 25) return SandboxResult.FILE_SIZE;
        // The hard CPU limit is one second above the soft one: SIGKILL comes only after an
        // ignored SIGXCPU. A single thread cannot use more CPU than wall time, so a SIGKILL
        // before the soft limit could have passed came from someone else (the OOM killer).
        if (signal == 9 && wallMillis >= cpuSeconds * 1000) return SandboxResult.CPU;
        return null;
    }

    // --- command lines ----------------------------------------------------------------------

    private List<String> bubblewrapCommand(SandboxSpec spec, Path workDir) {
        List<String> c = new ArrayList<>(dropToSandboxUser());
        c.add(bwrap);
        c.add("--unshare-all");
        if (spec.network()) c.add("--share-net");
        c.addAll(List.of("--unshare-user", "--uid", Integer.toString(settings.uid()), "--gid", Integer.toString(settings.gid()),
                "--die-with-parent", "--new-session", "--clearenv",
                "--setenv", "PATH", PATH, "--setenv", "HOME", "/work", "--setenv", "LANG", "C.UTF-8"));
        spec.environment().forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
        c.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
        c.addAll(readOnlyBinds);
        c.addAll(List.of("--bind", workDir.toString(), "/work", "--remount-ro", "/", "--chdir", "/work"));
        c.addAll(limits(spec));
        c.addAll(spec.command());
        return c;
    }

    private List<String> sessionCommand(SandboxSpec spec) {
        List<String> c = new ArrayList<>();
        if (setsid != null) c.add(setsid);
        c.addAll(dropToSandboxUser());
        c.addAll(limits(spec));
        c.addAll(spec.command());
        return c;
    }

    private List<String> dropToSandboxUser() {
        if (!root) return List.of();
        return List.of(setpriv, "--reuid", Integer.toString(settings.uid()), "--regid", Integer.toString(settings.gid()),
                "--clear-groups", "--no-new-privs");
    }

    private List<String> limits(SandboxSpec spec) {
        if (prlimit == null) return List.of();
        return List.of(prlimit, "--cpu=" + spec.cpuSeconds() + ":" + (spec.cpuSeconds() + 1), "--as=" + spec.memoryBytes(),
                "--nproc=" + spec.processes(), "--fsize=" + spec.fileSizeBytes(), "--nofile=" + NOFILE, "--core=0", "--");
    }

    /** {@code --ro-bind} for directories and files, {@code --symlink} for symlinks (/bin on Debian), missing ones skipped. */
    static List<String> readOnlyBinds(List<String> paths) {
        List<String> args = new ArrayList<>();
        for (String p : paths) {
            Path path = Path.of(p);
            try {
                if (Files.isSymbolicLink(path)) {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), p));
                } else if (Files.exists(path)) {
                    args.addAll(List.of("--ro-bind", p, p));
                }
            } catch (IOException e) {
                // unreadable link: the path stays out of the sandbox, which is the safe side
            }
        }
        return List.copyOf(args);
    }

    // --- checks -----------------------------------------------------------------------------

    private Path checkWorkDir(Path dir) throws SyscallException {
        if (!Files.exists(dir)) throw new SyscallException(Errno.EINVAL, "the working directory " + dir + " does not exist");
        if (!Files.isDirectory(dir)) throw new SyscallException(Errno.EINVAL, "the working directory " + dir + " is not a directory");
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "the working directory " + dir + " cannot be resolved: " + e.getMessage(), e);
        }
        if (real.getParent() == null) throw new SyscallException(Errno.EINVAL, "the working directory must not be /");
        if (root) {
            String why = unreachable(real, settings.uid(), settings.gid());
            if (why != null) throw new SyscallException(Errno.EINVAL, why);
        }
        return real;
    }

    /**
     * Creates {@code dir} and, when the JVM runs as root (commands then run as the sandbox user),
     * gives it to the sandbox user, so that commands can write their workspace.
     */
    @Override
    public void prepareWorkDir(Path dir) throws SyscallException {
        Sandbox.super.prepareWorkDir(dir);
        if (!root) return;
        try {
            java.nio.file.Files.setAttribute(dir, "unix:uid", settings.uid());
            java.nio.file.Files.setAttribute(dir, "unix:gid", settings.gid());
        } catch (java.io.IOException | UnsupportedOperationException e) {
            throw new SyscallException(Errno.EIO, "cannot hand the working directory " + dir + " to the sandbox user "
                    + settings.uid() + ": " + e.getMessage(), e);
        }
    }

    /** Why uid/gid cannot write {@code dir} (or reach it), or null when it can. */
    static String unreachable(Path dir, int uid, int gid) {
        try {
            if (!allows(dir, uid, gid, 3)) {
                return "the working directory " + dir + " is not writable by the sandbox user " + uid
                        + ": hand it over first (chown " + uid + ":" + gid + " " + dir + ")";
            }
            for (Path p = dir.getParent(); p != null; p = p.getParent()) {
                if (!allows(p, uid, gid, 1)) {
                    return "the sandbox user " + uid + " cannot reach the working directory " + dir + ": " + p + " is not searchable";
                }
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot read the owner of " + dir + ": " + e.getMessage();
        }
    }

    /** Whether uid/gid has the permission bits {@code want} (1 = x, 2 = w, 3 = wx) on {@code p}. */
    private static boolean allows(Path p, int uid, int gid, int want) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int bits = (Integer) a.get("uid") == uid ? mode >> 6 : (Integer) a.get("gid") == gid ? mode >> 3 : mode;
        return (bits & want) == want;
    }

    private static void checkEnvironment(Map<String, String> env) throws SyscallException {
        for (Map.Entry<String, String> e : env.entrySet()) {
            String k = e.getKey();
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0) {
                throw new SyscallException(Errno.EINVAL, "invalid environment variable: " + k);
            }
        }
    }

    // --- killing ----------------------------------------------------------------------------

    /**
     * Kills the command and everything it started. With bubblewrap the command's descendants are
     * the pid namespace (its init dies with bwrap, taking the rest along); without it the process
     * group goes too, which also catches children already orphaned.
     */
    private void killTree(Process process) {
        List<Long> tree = new ArrayList<>(process.descendants().map(ProcessHandle::pid).toList());
        if (!namespaces()) signalGroup(process.pid());
        process.destroyForcibly();
        tree.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
        try {
            process.waitFor(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // ProcessHandle.onExit polls non-children slowly and counts zombies as alive: read /proc
        while (tree.stream().anyMatch(LinuxSandbox::running) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        if (!namespaces()) killGroup(process.pid());
    }

    /** Whether {@code pid} exists and is not a zombie. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** SIGKILL to the process group until none of it is left (bounded). */
    private void killGroup(long pgid) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
        List<Long> members = groupMembers(pgid);
        while (!members.isEmpty() && System.nanoTime() < deadline) {
            signalGroup(pgid);
            members.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            members = groupMembers(pgid);
        }
    }

    /** {@code kill -KILL -- -pgid}: one atomic signal to the whole group, even while it forks. */
    private void signalGroup(long pgid) {
        if (kill == null) return;
        try {
            Process p = new ProcessBuilder(kill, "-KILL", "--", "-" + pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(GRACE_MILLIS, TimeUnit.MILLISECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // kill could not start (fork limit of the JVM's user?): the per-pid kills still run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Live (not zombie) processes whose process group is {@code pgid}, from {@code /proc/N/stat}. */
    static List<Long> groupMembers(long pgid) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p.getFileName().toString()))) {
            for (Path p : procs) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // f[0] state, f[1] ppid, f[2] pgrp
                    if (!f[0].equals("Z") && !f[0].equals("X") && Long.parseLong(f[2]) == pgid) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            // no /proc: only the kill of the group itself is left
        }
        return found;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }

    // --- probing and protections ------------------------------------------------------------

    /** Runs bubblewrap once the way commands will run; null when it works, else why not. */
    private String probe() {
        List<String> c = new ArrayList<>(dropToSandboxUser());
        c.addAll(List.of(bwrap, "--unshare-all", "--unshare-user", "--uid", Integer.toString(settings.uid()),
                "--gid", Integer.toString(settings.gid()), "--die-with-parent", "--ro-bind", "/", "/", "true"));
        try {
            Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CommandStreams.Output out = CommandStreams.capture(p.getInputStream(), 4096, "sandbox-probe-output");
            if (!p.waitFor(PROBE_MILLIS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return "bubblewrap did not start within " + PROBE_MILLIS + " ms";
            }
            out.awaitEnd(GRACE_MILLIS);
            if (p.exitValue() != 0) {
                String msg = out.text().strip();
                return "bubblewrap cannot create namespaces here: " + (msg.isEmpty() ? "exit " + p.exitValue() : msg.lines().findFirst().orElse(msg));
            }
            return null;
        } catch (IOException e) {
            return "bubblewrap cannot be started: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the bubblewrap probe was interrupted";
        }
    }

    private List<SandboxProtection> describe() {
        List<SandboxProtection> p = new ArrayList<>();
        if (unavailable != null) p.add(new SandboxProtection("launch", false, unavailable));
        boolean ns = namespaces();
        String ro = String.join(", ", boundPaths());
        p.add(new SandboxProtection("namespaces", ns, ns ? "bubblewrap: user, pid, mount, ipc, uts, cgroup and network namespaces" : noNamespaces));
        p.add(new SandboxProtection("filesystem", ns, ns
                ? "only the working directory is writable, at /work; read-only: " + ro + "; private /tmp"
                : "the command sees the host's files"));
        p.add(new SandboxProtection("network", ns, ns ? "no network: a private network namespace" : "the command shares the host's network"));
        String user = root
                ? "uid " + settings.uid() + ", gid " + settings.gid() + " on the host (setpriv), no capabilities, no new privileges"
                : "commands run as the JVM's user, uid " + effectiveUid();
        p.add(new SandboxProtection("user", root || ns, ns && !root ? user + " (shown as " + settings.uid() + " inside)" : user));
        p.add(new SandboxProtection("rlimits", prlimit != null, prlimit != null
                ? "prlimit: CPU seconds, address space, processes, file size, " + NOFILE + " open files; per process, not per tree"
                : "prlimit is not installed (apt-get install util-linux)"));
        p.add(new SandboxProtection("timeout", true, ns ? "kills the whole pid namespace" : "kills the process group and its descendants"));
        p.add(new SandboxProtection("process tree kill", true, ns
                ? "pid namespace: nothing outlives the command"
                : "best effort: the process group and descendants; a command that starts its own session can escape"));
        p.add(new SandboxProtection("environment", true, "emptied: PATH, HOME, LANG and the spec's variables only"));
        p.add(new SandboxProtection("output bound", true, "at most maxOutputBytes of stdout and of stderr are kept, the rest drained"));
        return p;
    }

    private List<SandboxProtection> protectionsFor(SandboxSpec spec) {
        if (!spec.network() || !namespaces()) return protections;
        List<SandboxProtection> p = new ArrayList<>(protections);
        p.replaceAll(x -> x.name().equals("network") ? new SandboxProtection("network", false, "allowed for this run (--share-net)") : x);
        return p;
    }

    private List<String> boundPaths() {
        List<String> paths = new ArrayList<>();
        // readOnlyBinds is triples: --ro-bind src dest, --symlink target dest
        for (int i = 0; i + 2 < readOnlyBinds.size(); i += 3) paths.add(readOnlyBinds.get(i + 2));
        return paths;
    }

    /** The effective uid from {@code /proc/self/status} ("Uid: real effective saved fs"), -1 if unknown. */
    static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: not Linux, treat as unknown (not root)
        }
        return -1;
    }

    private static String tool(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    @Override
    public String toString() {
        return "LinuxSandbox[" + (namespaces() ? "bubblewrap" : "session") + "]";
    }
}
