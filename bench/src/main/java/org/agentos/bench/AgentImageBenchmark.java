package org.agentos.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.memory.hierarchical.HierarchicalMemory;
import org.agentos.vfs.versioned.VersionedFileSystem;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Agent images on this machine's disk (a kernel with its state on disk, the hierarchical memory).
 * <ul>
 * <li>{@code checkpointSmall}: {@value #AGENTS} small agents (a 1 KiB state, one 1 KiB memory entry,
 *     waiting for mail) written as one group image, per agent; beside it {@code jacksonSmall}, Jackson
 *     writing the same states to one file (fsynced). Target: at least 20,000 agents/s.
 * <li>{@code restoreSmall}: that image restored (paused), per agent. Target: at least 20,000/s.
 * <li>{@code image100MiB}: the image of an agent with 100 MiB of memory; beside it {@code copy100MiB},
 *     100 MiB written with a FileChannel and fsynced. Target: at least half its speed.
 * <li>{@code fork1KiB} and {@code fork100MiB}: agent:fork of an agent with 1 KiB of memory and a 1 KiB
 *     file, or 100 MiB of memory and 100 MiB of files (100 of 1 MiB) in its workspace (and killing the
 *     copy; the workspace copy, made without copying content, stays, as it does for a user). Target:
 *     flat in the size.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx6g"})
@State(Scope.Benchmark)
public class AgentImageBenchmark {
    static final int AGENTS = 2000;
    static final String KIB = "x".repeat(1024);
    static final ObjectMapper JSON = new ObjectMapper();

    /** A small agent's state: its note and how far it is. */
    public record Note(String text, int phase, long ballastMiB) {}

    Kernel kernel;
    VersionedFileSystem files;
    AgentImageStore store;
    Path dir;
    List<Long> small = new ArrayList<>();
    long big;
    long tiny;
    Path smallImage;
    int n;
    final List<Long> restored = new ArrayList<>();
    final byte[] mib = new byte[1 << 20];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(2, "disk");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        kernel.mem.bind(HierarchicalMemory.standalone(null, 256L << 20, 8L << 30), "bench");
        // puts its note (and ballast) into memory, then waits for mail for ever
        String mibBase64 = java.util.Base64.getEncoder().encodeToString(mib);
        kernel.addProgram(Bench.program("holder", Note.class,
                a -> new Note(a.path("text").asText(KIB), 0, a.path("ballastMiB").asLong(0)), (s, last) -> {
                    if (s.phase() == 0) return Step.call(new Note(s.text(), 1, s.ballastMiB()), "mem.put", Args.of("key", "note", "value", s.text()));
                    if (s.ballastMiB() > 0) {
                        return Step.call(new Note(s.text(), 1, s.ballastMiB() - 1), "mem.put",
                                Args.of("key", "ballast-" + s.ballastMiB(), "base64", mibBase64));
                    }
                    return Step.call(s, "ipc.recv", Args.of("timeoutMs", 86_400_000));
                }), "bench");
        store = new AgentImageStore(kernel.images, kernel, null); // images without files: the figures are memory's
        dir = Files.createTempDirectory("agentos-images");
        files = VersionedFileSystem.open(dir.resolve("vfs"));
        kernel.images.setFiles(() -> files); // a fork's workspace is copied
        FsCaller operator = FsCaller.operator("root", "bench");
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 100; i++) {
            random.nextBytes(mib);
            files.write(operator, "/home/bench/big/f" + i, new java.io.ByteArrayInputStream(mib));
        }
        files.write(operator, "/home/bench/tiny/note", new java.io.ByteArrayInputStream(KIB.getBytes()));
        for (int i = 0; i < AGENTS; i++) small.add(kernel.spawn(SpawnSpec.of("holder", Args.none())));
        big = kernel.spawn(new SpawnSpec("holder", Args.of("ballastMiB", 100), null, 0,
                List.of("*", "fs:*:/home/bench/big/**"), null));
        tiny = kernel.spawn(new SpawnSpec("holder", Args.none(), null, 0, List.of("*", "fs:*:/home/bench/tiny/**"), null));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (long pid : all()) {
            while (!"ipc.recv".equals(kernel.procs.get(pid).callName) || kernel.procs.get(pid).state != ProcessState.BLOCKED) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("pid " + pid + " never waited for mail");
                Thread.sleep(1);
            }
        }
        smallImage = dir.resolve("small-restore");
        store.checkpointGroup(small, smallImage, "b", new CutOptions(60_000, false), "root");
    }

    private List<Long> all() {
        List<Long> out = new ArrayList<>(small);
        out.add(big);
        out.add(tiny);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        // what an image of the 100 MiB agent holds, to read its time as a write speed
        try (var dirs = Files.list(dir)) {
            for (Path d : dirs.filter(x -> x.getFileName().toString().startsWith("big-")).limit(1).toList()) {
                try (var blobs = Files.walk(d)) {
                    long bytes = blobs.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                    System.out.println("image of the 100 MiB agent: " + bytes + " bytes");
                }
            }
        }
        Bench.stop(kernel);
        this.files.close();
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    @TearDown(Level.Invocation)
    public void killRestored() throws Exception {
        for (long pid : restored) kernel.kill(pid);
        restored.clear();
    }

    @Benchmark
    @OperationsPerInvocation(AGENTS)
    public Object checkpointSmall() throws Exception {
        return store.checkpointGroup(small, dir.resolve("small-" + n++), "b", new CutOptions(60_000, false), "root");
    }

    @Benchmark
    @OperationsPerInvocation(AGENTS)
    public Object jacksonSmall() throws Exception {
        Path f = dir.resolve("jackson-" + n++ + ".jsonl");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
            for (long pid : small) {
                out.write(JSON.writeValueAsBytes(kernel.procs.get(pid).programState));
                out.write('\n');
            }
            out.flush();
            ch.force(true);
        }
        return f;
    }

    @Benchmark
    @OperationsPerInvocation(AGENTS)
    public Object restoreSmall() throws Exception {
        var r = store.restoreAll(smallImage, "b", RestoreSpec.byOperator(new ConsoleOperator("root", Set.of("admin")), null, null, true));
        for (var x : r) restored.add(x.pid());
        return r;
    }

    @Benchmark
    public Object image100MiB() throws Exception {
        return store.checkpoint(big, dir.resolve("big-" + n++), "b", new CutOptions(60_000, false), "root");
    }

    @Benchmark
    public Object copy100MiB() throws Exception {
        Path f = dir.resolve("copy-" + n++);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 100; i++) {
                ByteBuffer b = ByteBuffer.wrap(mib);
                while (b.hasRemaining()) ch.write(b);
            }
            ch.force(true);
        }
        return f;
    }

    @Benchmark
    public Object fork1KiB() throws Exception {
        long copy = kernel.images.fork(tiny, 60_000, true);
        kernel.kill(copy);
        return copy;
    }

    @Benchmark
    public Object fork100MiB() throws Exception {
        long copy = kernel.images.fork(big, 60_000, true);
        kernel.kill(copy);
        return copy;
    }
}
