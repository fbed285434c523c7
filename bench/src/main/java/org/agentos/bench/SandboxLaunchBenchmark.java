package org.agentos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.hal.Sandbox;
import org.agentos.kernel.api.hal.SandboxResult;
import org.agentos.kernel.api.hal.SandboxSpec;
import org.agentos.kernel.api.syscall.SyscallException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sandboxed launch rate: {@code /bin/true} through the Linux HAL's sandbox (bubblewrap
 * namespaces, setpriv to nobody when run as root, prlimit, output readers, the timeout watch),
 * the cost every {@code shell.exec} pays before its command does any work. Baseline: the same
 * {@code /bin/true} started with a plain {@link ProcessBuilder} and waited for.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SandboxLaunchBenchmark {

    @State(Scope.Benchmark)
    public static class SandboxState {
        Sandbox sandbox;
        Path dir;
        SandboxSpec spec;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            sandbox = new LinuxHal().sandbox();
            boolean namespaces = sandbox.protections().stream()
                    .anyMatch(p -> p.name().equals("namespaces") && p.enforced());
            if (!namespaces) System.err.println("sandbox without namespaces: " + sandbox.protections());
            // A workspace the sandbox user (nobody, when the JVM runs as root) may enter and write.
            dir = Files.createTempDirectory("agentos-bench-sandbox", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxrwxrwx")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            spec = SandboxSpec.builder(List.of("/bin/true"), dir).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public int sandboxedLaunch(SandboxState s) throws SyscallException {
        SandboxResult r = s.sandbox.run(s.spec);
        if (r.exitCode() != 0) throw new IllegalStateException("sandboxed /bin/true failed: " + r + " " + r.stderr());
        return r.exitCode();
    }

    @Benchmark
    public int baselineProcessBuilder() throws IOException, InterruptedException {
        return new ProcessBuilder("/bin/true").start().waitFor();
    }
}
