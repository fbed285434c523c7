package org.agentos.tools.syscalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.hal.SandboxProtection;
import org.agentos.kernel.api.hal.Sandbox;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code shell.exec}: runs a host command in the HAL's {@link org.agentos.kernel.api.hal.Sandbox},
 * in the caller's workspace ({@code <workspaceRoot>/<owner>}, created on demand), within the
 * configured limits. The result lists the protections this host does not enforce, so that an
 * agent (and its operator) knows how confined the command really was.
 */
@Component(service = Tool.class, configurationPid = ShellExec.PID)
@Designate(ocd = ShellExec.Config.class)
public class ShellExec implements Tool {
    static final String PID = "org.agentos.tools.shell";
    /** The highest maxTimeoutMs a configuration may set; the descriptor's timeout stays above it. */
    static final long TIMEOUT_CEILING_MS = 900_000;
    static final int MAX_ENV = 32;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");

    @ObjectClassDefinition(name = "Agent OS shell.exec", description = "Workspaces and limits of the shell.exec system call")
    public @interface Config {
        @AttributeDefinition(description = "Host directory holding one workspace per owner; empty: "
                + "${karaf.data}/agentos/workspaces, or <java.io.tmpdir>/agentos-workspaces outside Karaf")
        String workspaceRoot() default "";

        @AttributeDefinition(description = "CPU seconds per command (RLIMIT_CPU)")
        long cpuSeconds() default 10;

        @AttributeDefinition(description = "Address space per command in MiB (RLIMIT_AS)")
        long memoryMiB() default 512;

        @AttributeDefinition(description = "Processes per command (RLIMIT_NPROC)")
        int processes() default 64;

        @AttributeDefinition(description = "Largest file a command may write, in MiB (RLIMIT_FSIZE)")
        long fileSizeMiB() default 64;

        @AttributeDefinition(description = "Most an owner's workspace holds, in MiB: a command's files are limited to "
                + "what is left, and once it is full commands can still read and delete but not write")
        long workspaceMiB() default 1024;

        @AttributeDefinition(description = "Output kept per stream (stdout, stderr) in KiB; the rest is dropped")
        int maxOutputKiB() default 256;

        @AttributeDefinition(description = "Wall-clock limit of a call that names none, in milliseconds")
        long timeoutMs() default 30_000;

        @AttributeDefinition(description = "Highest wall-clock limit a call may ask for, in milliseconds (at most 900000)")
        long maxTimeoutMs() default 300_000;

        @AttributeDefinition(description = "Let commands use the network (only enforceable with namespaces)")
        boolean network() default false;

        @AttributeDefinition(description = "Commands one owner may run at once; more are refused with EAGAIN")
        int commandsPerOwner() default 8;
    }

    /** The configuration in force. */
    record Settings(Path workspaceRoot, long cpuSeconds, long memoryMiB, int processes, long fileSizeMiB,
                    long workspaceMiB, int maxOutputKiB, long timeoutMs, long maxTimeoutMs, boolean network, int commandsPerOwner) {
        Settings {
            if (cpuSeconds <= 0 || memoryMiB <= 0 || processes <= 0 || fileSizeMiB <= 0 || workspaceMiB <= 0 || maxOutputKiB <= 0
                    || timeoutMs <= 0 || maxTimeoutMs <= 0 || commandsPerOwner <= 0) {
                throw new IllegalArgumentException("shell.exec limits must be positive");
            }
            workspaceRoot = workspaceRoot == null ? defaultRoot() : workspaceRoot.toAbsolutePath().normalize();
            maxTimeoutMs = Math.min(maxTimeoutMs, TIMEOUT_CEILING_MS);
            timeoutMs = Math.min(timeoutMs, maxTimeoutMs);
        }

        static Settings defaults(Path workspaceRoot) {
            return new Settings(workspaceRoot, 10, 512, 64, 64, 1024, 256, 30_000, 300_000, false, 8);
        }

        static Settings of(Config c) {
            String root = c.workspaceRoot() == null ? "" : c.workspaceRoot().trim();
            return new Settings(root.isEmpty() ? null : Paths.get(root), c.cpuSeconds(), c.memoryMiB(), c.processes(),
                    c.fileSizeMiB(), c.workspaceMiB(), c.maxOutputKiB(), c.timeoutMs(), c.maxTimeoutMs(), c.network(),
                    c.commandsPerOwner());
        }

        static Path defaultRoot() {
            String karafData = System.getProperty("karaf.data");
            Path root = karafData != null && !karafData.isBlank()
                    ? Paths.get(karafData, "agentos", "workspaces")
                    : Paths.get(System.getProperty("java.io.tmpdir"), "agentos-workspaces");
            return root.toAbsolutePath().normalize();
        }
    }

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("shell.exec").version("1.0.0")
            .description("runs a command (sh -c) or an argv in the HAL sandbox, in the caller's workspace, within limits")
            .args(Json.schema("""
                    {"type":"object","properties":{
                      "command":{"type":"string","minLength":1,"maxLength":65536,"description":"run as /bin/sh -c command"},
                      "argv":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":4096,
                              "description":"program and arguments, no shell (give command or argv, not both)"},
                      "stdin":{"type":"string","maxLength":16777216},
                      "cwd":{"type":"string","maxLength":4096,"description":"directory relative to the workspace; default ."},
                      "timeoutMs":{"type":"integer","minimum":1,"description":"wall-clock limit (capped by configuration)"},
                      "env":{"type":"object","description":"at most 32 variables, names [A-Z_][A-Z0-9_]*, string values"}},
                     "additionalProperties":false}"""))
            .result(Json.schema("""
                    {"type":"object","properties":{
                      "exitCode":{"type":"integer"},
                      "signal":{"type":"integer","description":"the signal that ended it, 0 if none"},
                      "stdout":{"type":"string"},"stderr":{"type":"string"},
                      "stdoutTruncated":{"type":"boolean"},"stderrTruncated":{"type":"boolean"},
                      "limit":{"type":["string","null"],"enum":[null,"timeout","cpu","file-size"]},
                      "wallMillis":{"type":"integer"},
                      "unprotected":{"type":"array","description":"protections this host did not enforce: {name, detail}"}}}"""))
            .capabilities("tool:shell.exec")
            .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).idempotent(false)
            .timeout(Duration.ofMillis(TIMEOUT_CEILING_MS + 10_000)).build();

    // Dynamic and greedy: a better-ranked HAL (one that can launch processes) replaces the one bound.
    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile Hal hal;

    private volatile Settings settings;

    public ShellExec() {
        this(Settings.defaults(null));
    }

    ShellExec(Settings settings) {
        this.settings = settings;
    }

    @Activate
    @Modified
    void configure(Config c) {
        settings = Settings.of(c);
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        try {
            return callAsync(ctx, args).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof SyscallException se) throw se;
            throw e;
        }
    }

    /**
     * Starts the command and returns: its exit completes the call, so a command that waits (for
     * its timeout, for input, for a child) holds none of the kernel's I/O threads. An owner runs
     * at most {@code commandsPerOwner} commands at once.
     */
    @Override
    public CompletionStage<JsonNode> callAsync(ToolContext ctx, JsonNode args) {
        String owner = ctx.owner();
        AtomicInteger mine = running.computeIfAbsent(owner == null ? "" : owner, o -> new AtomicInteger());
        int limit = settings.commandsPerOwner();
        if (mine.incrementAndGet() > limit) {
            mine.decrementAndGet();
            return CompletableFuture.failedFuture(new SyscallException(Errno.EAGAIN, "owner " + owner + " runs " + limit
                    + " commands already, the most one owner may at once (commandsPerOwner); try again when one ends"));
        }
        CompletionStage<JsonNode> done;
        CompletableFuture<SandboxResult> command = null;
        try {
            Launch l = prepare(ctx, args);
            command = l.sandbox().start(l.spec()).toCompletableFuture();
            done = command.thenApply(r -> {
                try {
                    ctx.chargeBytes(l.stdinBytes() + r.stdout().getBytes(StandardCharsets.UTF_8).length
                            + r.stderr().getBytes(StandardCharsets.UTF_8).length);
                } catch (SyscallException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
                return result(r);
            });
        } catch (SyscallException e) {
            done = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            mine.decrementAndGet();
            throw e;
        }
        CompletableFuture<JsonNode> out = done.toCompletableFuture();
        CompletableFuture<SandboxResult> started = command;
        out.whenComplete((r, ex) -> {
            mine.decrementAndGet();
            // a cancelled call (a kill, a timeout) does not reach the command's own stage by itself: that kills it
            if (out.isCancelled() && started != null) started.cancel(true);
        });
        return out;
    }

    /** Commands running now, per owner. */
    private final java.util.concurrent.ConcurrentHashMap<String, AtomicInteger> running = new java.util.concurrent.ConcurrentHashMap<>();

    /** A command ready to start: the sandbox, its spec, and the stdin bytes to charge. */
    private record Launch(Sandbox sandbox, SandboxSpec spec, long stdinBytes) {}

    private Launch prepare(ToolContext ctx, JsonNode args) throws SyscallException {
        Settings s = settings;
        Hal h = hal;
        if (h == null) throw new SyscallException(Errno.ENOSYS, "shell.exec has no HAL to launch commands with");
        List<String> command = command(args);
        Sandbox sandbox = h.sandbox();
        Path workspace = workspace(s.workspaceRoot(), ctx.owner(), sandbox);
        Path cwd = cwd(workspace, args.path("cwd").asText("."));
        long timeoutMs = Math.min(args.hasNonNull("timeoutMs") ? args.get("timeoutMs").asLong() : s.timeoutMs(),
                s.maxTimeoutMs());
        String stdin = args.hasNonNull("stdin") ? args.get("stdin").asText() : null;
        // RLIMIT_FSIZE is per file: each file may take at most what is left of the workspace, so a
        // command overshoots the total by at most what it writes itself, and once the workspace is
        // full every write fails (EFBIG) while reading and deleting still work
        long left = Math.max(1, (s.workspaceMiB() << 20) - sizeOf(workspace, s.workspaceMiB() << 20));
        try {
            SandboxSpec.Builder b = SandboxSpec.builder(command, cwd).stdin(stdin)
                    .cpuSeconds(s.cpuSeconds()).memoryBytes(s.memoryMiB() << 20).processes(s.processes())
                    .fileSizeBytes(Math.min(s.fileSizeMiB() << 20, left)).maxOutputBytes(s.maxOutputKiB() * 1024)
                    .timeout(Duration.ofMillis(timeoutMs)).network(s.network());
            env(args.get("env"), b);
            return new Launch(sandbox, b.build(), stdin == null ? 0 : stdin.getBytes(StandardCharsets.UTF_8).length);
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "shell.exec: " + e.getMessage());
        }
    }

    /** Bytes of the regular files under {@code dir}, counted until {@code enough} is passed. */
    static long sizeOf(Path dir, long enough) throws SyscallException {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                    if (a.isRegularFile()) total[0] += a.size();
                    return total[0] > enough ? java.nio.file.FileVisitResult.TERMINATE : java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path f, java.io.IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE; // a file the command's user keeps from us: not ours to count
                }
            });
        } catch (java.io.IOException e) {
            throw new SyscallException(Errno.EIO, "cannot measure the workspace " + dir + ": " + e.getMessage());
        }
        return total[0];
    }

    static List<String> command(JsonNode args) throws SyscallException {
        boolean hasCommand = args.hasNonNull("command");
        boolean hasArgv = args.hasNonNull("argv");
        if (hasCommand == hasArgv) {
            throw new SyscallException(Errno.EINVAL, "give either command (a shell command line) or argv (a program "
                    + "and its arguments), " + (hasCommand ? "not both" : "one of them"));
        }
        if (hasCommand) return List.of("/bin/sh", "-c", args.get("command").asText());
        List<String> argv = new ArrayList<>();
        for (JsonNode a : args.get("argv")) argv.add(a.asText());
        if (argv.get(0).isEmpty()) throw new SyscallException(Errno.EINVAL, "argv[0] must name a program");
        return argv;
    }

    /** {@code <root>/<owner>}, prepared by the sandbox on demand (created, and owned by its user), as a real path. */
    static Path workspace(Path root, String owner, Sandbox sandbox) throws SyscallException {
        if (owner == null || owner.isEmpty() || owner.equals(".") || owner.equals("..") || owner.indexOf('/') >= 0
                || owner.indexOf('\\') >= 0 || owner.indexOf('\0') >= 0) {
            throw new SyscallException(Errno.EINVAL, "owner '" + owner + "' cannot name a workspace");
        }
        Path dir = root.resolve(owner);
        sandbox.prepareWorkDir(dir);
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot resolve the workspace " + dir + ": " + e);
        }
    }

    static Path cwd(Path workspace, String cwd) throws SyscallException {
        Path dir;
        try {
            dir = workspace.resolve(cwd).normalize();
        } catch (InvalidPathException e) {
            throw new SyscallException(Errno.EINVAL, "cwd '" + cwd + "' is not a path: " + e.getMessage());
        }
        if (!dir.startsWith(workspace)) throw new SyscallException(Errno.EPERM, "cwd escapes the workspace: " + cwd);
        if (!Files.exists(dir)) throw new SyscallException(Errno.ENOENT, "cwd '" + cwd + "' does not exist in the workspace");
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot resolve cwd '" + cwd + "': " + e);
        }
        if (!real.startsWith(workspace)) {
            throw new SyscallException(Errno.EPERM, "cwd escapes the workspace (through a symbolic link): " + cwd);
        }
        if (!Files.isDirectory(real)) throw new SyscallException(Errno.EINVAL, "cwd '" + cwd + "' is not a directory");
        return real;
    }

    private static void env(JsonNode env, SandboxSpec.Builder b) throws SyscallException {
        if (env == null || env.isNull()) return;
        if (env.size() > MAX_ENV) {
            throw new SyscallException(Errno.EINVAL, "env has " + env.size() + " variables, at most " + MAX_ENV + " are allowed");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new SyscallException(Errno.EINVAL, "env name '" + e.getKey() + "' must match [A-Z_][A-Z0-9_]*");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().indexOf('\0') >= 0) {
                throw new SyscallException(Errno.EINVAL, "env " + e.getKey() + " must be a string without NUL");
            }
            b.env(e.getKey(), e.getValue().asText());
        }
    }

    private static ObjectNode result(SandboxResult r) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("exitCode", r.exitCode()).put("signal", r.signal()).put("stdout", r.stdout()).put("stderr", r.stderr())
                .put("stdoutTruncated", r.stdoutTruncated()).put("stderrTruncated", r.stderrTruncated())
                .put("limit", r.limit()).put("wallMillis", r.wallMillis());
        ArrayNode off = out.putArray("unprotected");
        for (SandboxProtection p : r.protections()) {
            if (!p.enforced()) off.addObject().put("name", p.name()).put("detail", p.detail());
        }
        return out;
    }
}
