package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The distribution as a user has it: the zip this build made, unpacked into {@code target/<name>},
 * on free ports (ssh, RMI, HTTP), started with {@code bin/start}, driven with {@code bin/agentos-console}
 * and stopped with {@code bin/stop}. Tests outside Karaf (JUnit 5) use it to check what only the
 * real scripts show.
 */
final class UnpackedDistribution {
    /** What a command printed (stdout and stderr together, as a user sees them) and its exit status. */
    record Result(int code, String output) {}

    interface Condition {
        boolean holds() throws Exception;
    }

    final Path home;
    int sshPort;
    /** The HTTP service's port (the MCP server, the web console). */
    int httpPort;

    private UnpackedDistribution(Path home, int sshPort) {
        this.home = home;
        this.sshPort = sshPort;
    }

    /** Unpacks a fresh copy into {@code target/<name>} (deleting an older one) on free ports; the demo is small. */
    static UnpackedDistribution unpack(String name) throws Exception {
        Path zip = Path.of(System.getProperty("agentos.distribution.zip", "../distribution/target/distribution.zip"));
        assertTrue(Files.isRegularFile(zip), "build the distribution first: " + zip);
        Path dir = Path.of("target", name).toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        run(dir, Duration.ofSeconds(60), "unzip", "-q", zip.toAbsolutePath().toString());
        Path home;
        try (Stream<Path> s = Files.list(dir)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        UnpackedDistribution d = new UnpackedDistribution(home, 0);
        d.newPorts();
        d.setProperty("etc/org.agentos.demo.cfg", "processes", 10);
        d.setProperty("etc/org.agentos.demo.cfg", "families", 1);
        // the thinkers finish within seconds: a count of the demo's processes across a restart would race them
        d.setProperty("etc/org.agentos.demo.cfg", "thinkers", 0);
        return d;
    }

    /**
     * bin/start, then waits (at most 3 minutes) until the console answers. Asked from the moment
     * Karaf starts, the console never answers "Command not found": it waits for the commands.
     */
    void start() throws Exception {
        for (int attempt = 1; ; attempt++) {
            long logBefore = Files.exists(logFile()) ? Files.size(logFile()) : 0;
            run(home, Duration.ofSeconds(60), "bin/start");
            try {
                if (awaitConsole(logBefore) || attempt == 3) return;
                // a port chosen free was taken before Karaf bound it: on other ports, again
                stop();
            } catch (AssertionError hung) {
                // A first boot that never answered was seen twice on 2026-12-07 (karaf.log ends at
                // pax-logging's start): keep the threads for whoever looks into it, then boot again.
                if (attempt == 3) throw hung;
                killHung(attempt);
            }
            newPorts();
        }
    }

    /** Saves a thread dump of a Karaf that does not answer (target/<name>-hung-<attempt>.txt) and kills it. */
    private void killHung(int attempt) throws Exception {
        Path pidFile = home.resolve("karaf.pid");
        if (!Files.exists(pidFile)) return;
        String pid = Files.readString(pidFile).strip();
        Path dump = home.getParent().resolveSibling(home.getParent().getFileName() + "-hung-" + attempt + ".txt");
        String jstack = Path.of(System.getProperty("java.home"), "bin", "jstack").toString();
        Result r = run(home, Duration.ofSeconds(60), jstack, pid);
        Files.writeString(dump, r.output + "\n--- karaf.log ---\n" + (Files.exists(logFile()) ? Files.readString(logFile()) : ""));
        System.err.println("Karaf in " + home + " did not answer; its threads are in " + dump + "; booting it again");
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
            h.destroyForcibly();
            h.onExit().join();
        });
    }

    /** Free ports for ssh, JMX and HTTP, written into etc/. */
    private void newPorts() throws IOException {
        int[] ports = freePorts(4);
        sshPort = ports[0];
        httpPort = ports[3];
        setProperty("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", ports[3]);
        setProperty("etc/org.apache.karaf.shell.cfg", "sshPort", ports[0]);
        setProperty("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", ports[1]);
        setProperty("etc/org.apache.karaf.management.cfg", "rmiServerPort", ports[2]);
    }

    private Path logFile() {
        return home.resolve("data/log/karaf.log");
    }

    /** Waits for the console; false (at once) when Karaf logged that a port of it was taken. */
    private boolean awaitConsole(long logBefore) throws Exception {
        boolean[] portTaken = {false};
        waitUntil("the console to answer", () -> {
            if (portTaken(logBefore)) {
                portTaken[0] = true;
                return true;
            }
            Result r = run(home, Duration.ofSeconds(90), "bin/agentos-console", "agent:ps -n 1");
            if (r.output.contains("Command not found")) {
                fail("the console answered before its commands were registered: " + r.output);
            }
            return r.code == 0 && r.output.contains("PID");
        }, Duration.ofSeconds(180));
        return !portTaken[0];
    }

    private boolean portTaken(long logBefore) throws IOException {
        if (!Files.exists(logFile())) return false;
        String log = Files.readString(logFile(), StandardCharsets.UTF_8);
        return log.length() > logBefore && log.substring((int) Math.min(logBefore, log.length())).contains("Address already in use");
    }

    /** bin/stop, then waits (at most 90 s) for the Karaf process to end. */
    void stop() throws Exception {
        Path pidFile = home.resolve("karaf.pid");
        String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : null;
        run(home, Duration.ofSeconds(60), "bin/stop");
        if (pid == null) return;
        ProcessHandle karaf = ProcessHandle.of(Long.parseLong(pid)).orElse(null);
        if (karaf == null) return;
        try {
            karaf.onExit().get(90, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            karaf.destroyForcibly();
            fail("Karaf did not stop within 90 s of bin/stop");
        }
    }

    /** Runs one console command line through bin/agentos-console; fails the test if it fails. */
    String console(String command) {
        try {
            Result r = run(home, Duration.ofSeconds(60), "bin/agentos-console", command);
            if (r.code != 0) fail("'" + command + "' failed (" + r.code + "): " + r.output);
            return r.output;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs a program in the installation's directory, its stdout and stderr together. */
    Result run(Duration timeout, String... command) throws IOException {
        return run(home, timeout, command);
    }

    /** karaf.log as it is now. */
    String log() throws IOException {
        return Files.readString(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
    }

    void setProperty(String file, String key, Object value) throws IOException {
        Path f = home.resolve(file);
        List<String> lines = Files.exists(f) ? Files.readAllLines(f) : new ArrayList<>();
        lines.removeIf(l -> l.matches("^\\s*" + Pattern.quote(key) + "\\s*[=:].*"));
        lines.add(key + " = " + value);
        Files.write(f, lines);
    }

    static Result run(Path dir, Duration timeout, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        if (System.getenv("JAVA_HOME") == null) {
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        }
        Path log = Files.createTempFile("agentos-it", ".out");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static void waitUntil(String what, Condition c) throws Exception {
        waitUntil(what, c, Duration.ofSeconds(60));
    }

    static void waitUntil(String what, Condition c, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout + " waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /**
     * Ports free now, below Linux's ephemeral range (32768 and up): a port the OS hands out for
     * any outgoing connection (an ssh client, RMI) could be taken again before Karaf binds it.
     */
    static int[] freePorts(int n) throws IOException {
        ServerSocket[] s = new ServerSocket[n];
        int[] ports = new int[n];
        java.util.Random random = new java.util.Random();
        try {
            for (int i = 0, tries = 0; i < n; tries++) {
                if (tries > 10_000) throw new IOException("no free port between 20000 and 32000");
                int port = 20_000 + random.nextInt(12_000);
                try {
                    s[i] = new ServerSocket(port, 1, java.net.InetAddress.getByName("0.0.0.0"));
                    ports[i++] = port;
                } catch (IOException taken) {
                    // try another
                }
            }
        } finally {
            for (ServerSocket x : s) if (x != null) x.close();
        }
        return ports;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
