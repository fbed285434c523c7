package org.agentos.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.vfs.versioned.VersionedFileSystem;
import org.eclipse.jgit.api.Git;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable versioned 4 KiB writes with 64 writers (as many as the kernel's I/O threads and then some), each rewriting its own file with new random
 * content: {@code vfs}, the versioned filesystem (acknowledged after the group commit's fsync);
 * baselines in the same run: {@code jgit}, {@code git add} + {@code git commit} of the same file
 * in one repository (JGit; commits serialize on the repository); {@code rename}, write a new
 * file, fsync it, rename it over the target and fsync the directory (one fsync pair per write).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@Threads(64)
public class VfsWriteBenchmark {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"vfs", "jgit", "rename"})
        String kind;

        Path dir;
        VersionedFileSystem fs;
        Git git;
        final AtomicInteger writers = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("agentos-vfs-bench");
            switch (kind) {
                case "vfs" -> fs = VersionedFileSystem.open(dir);
                case "jgit" -> git = Git.init().setDirectory(dir.toFile()).call();
                case "rename" -> { }
                default -> throw new IllegalArgumentException("kind: vfs, jgit or rename");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (fs != null) fs.close();
            if (git != null) git.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        final byte[] data = new byte[4096];
        final Random random = new Random();
        String name;
        FsCaller caller;

        @Setup(Level.Trial)
        public void setUp(Store s) {
            int id = s.writers.incrementAndGet();
            name = "w" + id;
            caller = FsCaller.operator("bench", "fs.write");
            random.setSeed(id);
        }
    }

    @Benchmark
    public Object write(Store s, Writer w) throws Exception {
        w.random.nextBytes(w.data);
        switch (s.kind) {
            case "vfs" -> {
                FileInfo f = s.fs.write(w.caller, "/home/bench/" + w.name, new ByteArrayInputStream(w.data));
                return f;
            }
            case "jgit" -> {
                Files.write(s.dir.resolve(w.name), w.data);
                synchronized (s) {
                    s.git.add().addFilepattern(w.name).call();
                    return s.git.commit().setMessage(w.name).setSign(false).call();
                }
            }
            default -> {
                Path tmp = s.dir.resolve(w.name + ".tmp");
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.write(ByteBuffer.wrap(w.data));
                    ch.force(true);
                }
                Files.move(tmp, s.dir.resolve(w.name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                try (FileChannel d = FileChannel.open(s.dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
                return tmp;
            }
        }
    }
}
