package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fs.* calls over a real store, as a process with given capabilities makes them. */
class FsSyscallsTest {
    @TempDir
    Path dir;
    VersionedFileSystem fs;
    Map<String, Tool> tools = new java.util.HashMap<>();

    /** A caller: pid, owner, capabilities; counts the bytes charged. */
    static final class Caller implements ToolContext {
        final long pid;
        final String owner;
        final CapabilitySet caps;
        long bytes;

        Caller(long pid, String owner, String... caps) throws SyscallException {
            this.pid = pid;
            this.owner = owner;
            this.caps = CapabilitySet.of(List.of(caps));
        }

        public long pid() { return pid; }
        public String owner() { return owner; }
        public boolean permits(String c) { return caps.permits(c); }
        public void chargeBytes(long b) { bytes += b; }
        public void chargeTokens(long t) {}
    }

    Caller alice;

    @BeforeEach
    void setUp() throws Exception {
        fs = new VersionedFileSystem(dir, null, null);
        FsSyscalls s = new FsSyscalls();
        s.fs = fs;
        for (Tool t : s.tools()) tools.put(t.descriptor().name(), t);
        alice = new Caller(5, "alice", "fs:read:/home/alice/**", "fs:write:/home/alice/**", "fs:read:/shared/**",
                "fs:write:/tmp/**", "fs:read:/tmp/**", "fs:read:/proc/**", "fs:write:/proc/**", "fs:write:/etc/**");
    }

    @AfterEach
    void tearDown() {
        fs.close();
    }

    JsonNode call(Caller c, String name, Object... args) throws SyscallException {
        return tools.get(name).call(c, Args.of(args));
    }

    Errno errno(Caller c, String name, Object... args) {
        return assertThrows(SyscallException.class, () -> call(c, name, args)).errno();
    }

    @Test
    void allTenCallsAreThereWithSchemasAndCapabilities() {
        assertEquals(List.of("fs.append", "fs.delete", "fs.diff", "fs.history", "fs.list", "fs.mkdir", "fs.read",
                "fs.restore", "fs.stat", "fs.write"), tools.keySet().stream().sorted().toList());
        for (Tool t : tools.values()) {
            assertTrue(t.descriptor().capabilities().get(0).endsWith("{path}"), t.descriptor().name());
            assertEquals("object", t.descriptor().argsSchema().get("type").asText());
        }
    }

    @Test
    void writeReadHistoryDiffRestore() throws Exception {
        call(alice, "fs.write", "path", "/home/alice/plan.md", "text", "a\nb\nc\n");
        JsonNode v2 = call(alice, "fs.write", "path", "/home/alice/plan.md", "text", "a\nB\nc\n");
        assertEquals(2, v2.get("version").asLong());
        assertEquals(5, v2.get("pid").asLong());
        assertEquals("fs.write", v2.get("syscall").asText());
        assertEquals("a\nB\nc\n", call(alice, "fs.read", "path", "/home/alice/plan.md").get("text").asText());
        assertEquals("a\nb\nc\n", call(alice, "fs.read", "path", "/home/alice/plan.md", "version", 1).get("text").asText());
        assertEquals(2, call(alice, "fs.history", "path", "/home/alice/plan.md").get("entries").size());
        String diff = call(alice, "fs.diff", "path", "/home/alice/plan.md", "from", 1).get("diff").asText();
        assertTrue(diff.contains("-b\n+B\n"), diff);
        JsonNode r = call(alice, "fs.restore", "path", "/home/alice/plan.md", "version", 1);
        assertEquals(3, r.get("version").asLong());
        assertEquals(1, r.get("restoredFrom").asLong());
        call(alice, "fs.append", "path", "/home/alice/plan.md", "text", "d\n");
        assertEquals("a\nb\nc\nd\n", call(alice, "fs.read", "path", "/home/alice/plan.md").get("text").asText());
        assertTrue(alice.bytes > 0, "bytes are charged to the caller");
    }

    @Test
    void aTmpWriteOfAProcessThatHasEndedAnswersAndKeepsNothing() throws Exception {
        fs.close();
        fs = new VersionedFileSystem(dir, (org.agentos.kernel.api.process.ProcessManager) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.agentos.kernel.api.process.ProcessManager.class}, (proxy, m, a) -> {
                    if (m.getName().equals("awaitExit")) throw new SyscallException(Errno.ESRCH, "no process " + a[0]);
                    throw new UnsupportedOperationException(m.getName());
                }), null);
        FsSyscalls s = new FsSyscalls();
        s.fs = fs;
        for (Tool t : s.tools()) tools.put(t.descriptor().name(), t);
        assertEquals(5, call(alice, "fs.write", "path", "/tmp/x", "text", "hello").get("size").asLong());
        assertEquals(Errno.ENOENT, errno(alice, "fs.read", "path", "/tmp/x"), "its files go with it");
    }

    @Test
    void binaryContentTravelsAsBase64AndReadsArePaged() throws Exception {
        call(alice, "fs.write", "path", "/home/alice/b.bin", "base64", "AP8AAQ==");
        JsonNode r = call(alice, "fs.read", "path", "/home/alice/b.bin");
        assertEquals("AP8AAQ==", r.get("base64").asText());
        call(alice, "fs.write", "path", "/home/alice/t.txt", "text", "0123456789");
        assertEquals("345", call(alice, "fs.read", "path", "/home/alice/t.txt", "offset", 3, "length", 3).get("text").asText());
        assertEquals(Errno.EINVAL, errno(alice, "fs.write", "path", "/home/alice/x", "base64", "%%%"));
    }

    @Test
    void deniedAccessNamesTheMissingCapability() throws Exception {
        SyscallException e = assertThrows(SyscallException.class,
                () -> call(alice, "fs.write", "path", "/home/bob/x", "text", "hi"));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("fs:write:/home/bob/x"), e.getMessage());
        assertEquals(Errno.EPERM, errno(alice, "fs.read", "path", "/home/bob/x"));
        assertEquals(Errno.EPERM, errno(alice, "fs.write", "path", "/shared/x", "text", "read-only for alice"));
    }

    @Test
    void unsafePathsAreRefusedAndNothingEscapesItsRoot() throws Exception {
        assertEquals(Errno.EINVAL, errno(alice, "fs.write", "path", "/home/alice/../bob/x", "text", "x"));
        assertEquals(Errno.EINVAL, errno(alice, "fs.write", "path", "/home/alice/x\u0000y", "text", "x"));
        assertEquals(Errno.EINVAL, errno(alice, "fs.write", "path", "home/alice/x", "text", "x"));
        assertEquals(Errno.EINVAL, errno(alice, "fs.write", "path", "/home/alice/" + "n".repeat(300), "text", "x"));
        assertEquals(Errno.EPERM, errno(alice, "fs.write", "path", "/proc/1/status", "text", "x"), "/proc is read-only");
        assertEquals(Errno.EPERM, errno(alice, "fs.write", "path", "/etc/passwd", "text", "x"), "only workspaces are writable");
        // '.' and '//' normalize to the same file, still inside the workspace
        call(alice, "fs.write", "path", "/home/alice/./a//b.txt", "text", "x");
        assertEquals("/home/alice/a/b.txt", call(alice, "fs.stat", "path", "/home/alice/a/b.txt").get("path").asText());
    }

    @Test
    void directoriesListAndMkdir() throws Exception {
        call(alice, "fs.mkdir", "path", "/home/alice/empty/deeper");
        call(alice, "fs.write", "path", "/home/alice/f.txt", "text", "x");
        JsonNode entries = call(alice, "fs.list", "path", "/home/alice").get("entries");
        assertEquals(2, entries.size());
        assertTrue(entries.get(0).get("directory").asBoolean());
        assertEquals("/home/alice/empty", entries.get(0).get("path").asText());
        assertEquals(Errno.EEXIST, errno(alice, "fs.mkdir", "path", "/home/alice/f.txt"));
        assertEquals(Errno.EEXIST, errno(alice, "fs.write", "path", "/home/alice/empty", "text", "x"));
        assertEquals(Errno.ENOENT, errno(alice, "fs.list", "path", "/home/alice/nothing"));
        assertEquals(Errno.ENOENT, errno(alice, "fs.read", "path", "/home/alice/nothing"));
        // reading a directory says it is one, a top-level one included
        for (String dir : List.of("/home/alice/empty", "/shared")) {
            SyscallException e = assertThrows(SyscallException.class, () -> call(alice, "fs.read", "path", dir));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(dir + " is a directory", e.getMessage());
        }
    }

    @Test
    void deleteKeepsHistory() throws Exception {
        call(alice, "fs.write", "path", "/home/alice/d", "text", "x");
        call(alice, "fs.delete", "path", "/home/alice/d");
        assertEquals(Errno.ENOENT, errno(alice, "fs.read", "path", "/home/alice/d"));
        assertEquals(2, call(alice, "fs.history", "path", "/home/alice/d").get("entries").size());
        assertEquals("x", call(alice, "fs.read", "path", "/home/alice/d", "version", 1).get("text").asText());
    }

    @Test
    void quotasAreEquota() throws Exception {
        fs.setQuotas(new VersionStore.Quota(1000, 2), Map.of());
        call(alice, "fs.write", "path", "/home/alice/a", "text", "x".repeat(600));
        assertEquals(Errno.EQUOTA, errno(alice, "fs.write", "path", "/home/alice/b", "text", "x".repeat(600)));
        call(alice, "fs.write", "path", "/home/alice/b", "text", "x");
        assertEquals(Errno.EQUOTA, errno(alice, "fs.write", "path", "/home/alice/c", "text", ""));
        var u = fs.usage().get(0);
        assertEquals("alice", u.owner());
        assertEquals(601, u.bytes());
        assertEquals(2, u.files());
    }

    @Test
    void tmpIsPerProcessAndClearedWhenItExits() throws Exception {
        call(alice, "fs.write", "path", "/tmp/scratch/x", "text", "temp");
        assertEquals("temp", call(alice, "fs.read", "path", "/tmp/scratch/x").get("text").asText());
        assertEquals(Errno.ENOENT, errno(alice, "fs.history", "path", "/tmp/scratch/x"), "not versioned");
        Caller other = new Caller(6, "alice", "fs:write:/tmp/**");
        assertEquals(Errno.EPERM, errno(other, "fs.write", "path", "/tmp/scratch/x", "text", "mine"));
        fs.clearTmp(5);
        assertEquals(Errno.ENOENT, errno(alice, "fs.read", "path", "/tmp/scratch/x"));
        assertFalse(call(alice, "fs.list", "path", "/tmp").get("entries").elements().hasNext());
    }

    @Test
    void concurrentAppendsLoseNothing() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int writer = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 50; i++) call(alice, "fs.append", "path", "/home/alice/log", "text", "w" + writer + "\n");
                return null;
            }));
        }
        for (var f : done) f.get();
        pool.shutdown();
        String text = call(alice, "fs.read", "path", "/home/alice/log").get("text").asText();
        assertEquals(400, text.split("\n").length, "every append is in the file");
        for (int t = 0; t < 8; t++) {
            String w = "w" + t;
            assertEquals(50, text.lines().filter(w::equals).count(), w);
        }
        assertEquals(400, call(alice, "fs.history", "path", "/home/alice/log").get("entries").size());
    }
}
