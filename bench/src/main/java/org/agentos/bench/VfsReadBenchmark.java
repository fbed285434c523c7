package org.agentos.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.vfs.versioned.VersionedFileSystem;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading a 4 KiB file that has 1000 versions: the latest, or version 1, 500 (old ones), through
 * the FileSystem API (normalization, capability check, head lookup, chunk fetch). Baseline in the
 * same run: {@code Files.readAllBytes} of a 4 KiB file in the same directory. At setup it also
 * writes a repeated workload (200 documents of 256 KiB saved 10 times, one 4 KiB edit per save)
 * and prints the deduplication ratio: bytes written / bytes stored.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx3g"})
@State(Scope.Benchmark)
public class VfsReadBenchmark {

    @Param({"latest", "1", "500", "plain-file"})
    String read;

    Path dir;
    VersionedFileSystem fs;
    final FsCaller caller = FsCaller.operator("bench", "fs.read");
    final byte[] buf = new byte[8192];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("agentos-vfs-read");
        fs = VersionedFileSystem.open(dir.resolve("store"));
        Random r = new Random(1);
        byte[] data = new byte[4096];
        for (int v = 0; v < 1000; v++) {
            r.nextBytes(data);
            fs.write(caller, "/home/bench/file", new ByteArrayInputStream(data));
        }
        Files.write(dir.resolve("plain"), data);
        dedupWorkload();
    }

    /**
     * A repeated workload: 200 documents of 256 KiB, each saved 10 times with one 4 KiB region
     * edited per save (an agent revising a report, a log growing in place). Only the 64 KiB chunk
     * holding the edit is new in each save.
     */
    private void dedupWorkload() throws Exception {
        Random r = new Random(2);
        long written = 0;
        long[] before = fs.storedChunks();
        for (int f = 0; f < 200; f++) {
            byte[] doc = new byte[256 << 10];
            r.nextBytes(doc);
            for (int v = 0; v < 10; v++) {
                if (v > 0) {
                    byte[] edit = new byte[4096];
                    r.nextBytes(edit);
                    System.arraycopy(edit, 0, doc, r.nextInt(doc.length - edit.length), edit.length);
                }
                written += doc.length;
                fs.write(caller, "/shared/dedup/f" + f, new ByteArrayInputStream(doc));
            }
        }
        long[] after = fs.storedChunks();
        long stored = after[1] - before[1];
        System.out.printf(Locale.ROOT, "%ndedup: %d bytes written in 2000 versions, %d bytes stored in %d chunks: ratio %.2f : 1%n",
                written, stored, after[0] - before[0], (double) written / stored);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        fs.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    @Benchmark
    public int readFile() throws Exception {
        if (read.equals("plain-file")) return Files.readAllBytes(dir.resolve("plain")).length;
        long version = read.equals("latest") ? 0 : Long.parseLong(read);
        try (InputStream in = fs.read(caller, "/home/bench/file", version)) {
            int n = 0;
            for (int k; (k = in.read(buf)) > 0; ) n += k;
            return n;
        }
    }
}
