package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes with several threads and prints each write the store acknowledged; it is
 * killed with SIGKILL mid-stream. Reopened, the store must hold every acknowledged version
 * intact, and no version, head or usage figure that disagrees with another.
 */
class CrashRecoveryTest {

    /** The child: writes until killed, one line per acknowledged write. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            VersionStore store = new VersionStore(Path.of(args[0]), System::currentTimeMillis);
            VersionStore.Author who = new VersionStore.Author(7, "crash", "test", "fs.write");
            for (int t = 0; t < 4; t++) {
                int thread = t;
                Thread w = new Thread(() -> {
                    Random r = new Random(thread);
                    for (int i = 0; ; i++) {
                        byte[] data = new byte[r.nextInt(200_000)];
                        r.nextBytes(data);
                        String path = "/home/crash/t" + thread + "/f" + (i % 20);
                        try {
                            VersionStore.Version v = store.write(path, new ByteArrayInputStream(data), who);
                            synchronized (System.out) {
                                System.out.println("ACK " + path + " " + v.number() + " " + v.sha256());
                                System.out.flush();
                            }
                        } catch (Exception e) {
                            System.err.println("write failed: " + e);
                            return;
                        }
                    }
                });
                w.start();
            }
            Thread.currentThread().join(); // until killed
        }
    }

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKillMinus9AndNothingIsTorn() throws Exception {
        Path file = dir.resolve("vfs.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Writer.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String[]> acked = new HashMap<>(); // path#number -> sha
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; lines.size() < 400 && (line = out.readLine()) != null; ) lines.add(line);
            // SIGKILL, not Process.destroy: that would close our end of the pipe too.
            assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            for (String line; (line = out.readLine()) != null; ) lines.add(line); // acknowledged before the kill landed
        }
        assertTrue(lines.size() >= 400, "the child wrote " + lines.size() + " acknowledged versions");
        for (String line : lines) {
            String[] f = line.split(" ");
            acked.put(f[1] + "#" + f[2], f);
        }

        try (VersionStore store = new VersionStore(file, System::currentTimeMillis)) {
            for (String[] f : acked.values()) {
                VersionStore.Version v = store.index.version(f[1], Long.parseLong(f[2]))
                        .orElseThrow(() -> new AssertionError("lost acknowledged " + f[1] + " v" + f[2]));
                assertEquals(f[3], v.sha256(), f[1] + " v" + f[2]);
                assertEquals(v.sha256(), sha256(store.open(v)), "content of " + f[1] + " v" + f[2]);
            }
            long liveBytes = 0;
            long liveFiles = 0;
            for (int t = 0; t < 4; t++) {
                for (int i = 0; i < 20; i++) {
                    String path = "/home/crash/t" + t + "/f" + i;
                    List<VersionStore.Version> h = store.index.history(path);
                    var head = store.index.head(path);
                    if (h.isEmpty()) {
                        assertTrue(head.isEmpty(), "a head without versions: " + path);
                        continue;
                    }
                    for (int n = 0; n < h.size(); n++) assertEquals(n + 1, h.get(n).number(), "gap in " + path);
                    assertEquals(h.size(), head.orElseThrow().version(), "head and history agree: " + path);
                    VersionStore.Version last = h.get(h.size() - 1);
                    assertEquals(last.sha256(), sha256(store.open(last)), "latest of " + path + " is whole");
                    liveBytes += last.size();
                    liveFiles++;
                }
            }
            assertEquals(new VersionStore.Usage(liveBytes, liveFiles), store.index.usage("crash"), "usage agrees with the heads");
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
