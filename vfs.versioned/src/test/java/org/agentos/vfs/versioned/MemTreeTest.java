package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.memory.heap.HeapMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The read-only /mem tree over a real (heap) memory manager, as processes and the operator see it. */
class MemTreeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    VersionedFileSystem fs;
    HeapMemory mem;
    final FsCaller operator = FsCaller.operator("root", "test");

    @BeforeEach
    void setUp() throws Exception {
        fs = new VersionedFileSystem(dir, null, null);
        mem = HeapMemory.standalone();
        fs.addMemoryManager(mem, Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 10, org.osgi.framework.Constants.SERVICE_ID, 1L));
        mem.processStarted(7, "alice");
        mem.processStarted(12, "bob");
        MemCaller op = MemCaller.operator("root");
        mem.share(op, "team", new SharedSpec(false, 0, java.util.Set.of("alice")));
        mem.share(op, "ops", new SharedSpec(false, 0));
        put(MemCaller.kernel(), "system", "motd", MemWrite.json(JSON.readTree("{\"text\":\"hello\",\"n\":1}")));
        put(op, "shared/team", "plan", MemWrite.json(JSON.readTree("{\"steps\":[\"a\",\"b\"]}")));
        put(op, "shared/team", "logo", MemWrite.blob(new byte[] {0, 1, 2, (byte) 0xff}));
    }

    @AfterEach
    void tearDown() {
        fs.close();
    }

    void put(MemCaller c, String space, String key, MemWrite value) throws SyscallException {
        mem.put(c, space, key, value).toCompletableFuture().join(); // heap memory completes at once
    }

    /** A process with these capabilities, as the fs.* calls make it. */
    static FsCaller process(long pid, String owner, String... caps) throws SyscallException {
        CapabilitySet held = CapabilitySet.of(List.of(caps));
        ToolContext ctx = new ToolContext() {
            public long pid() { return pid; }
            public String owner() { return owner; }
            public boolean permits(String c) { return held.permits(c); }
            public void chargeBytes(long b) {}
            public void chargeTokens(long t) {}
        };
        return FsCaller.of(ctx, "fs.read", "test");
    }

    static byte[] bytes(InputStream in) throws Exception {
        try (in) {
            return in.readAllBytes();
        }
    }

    String text(FsCaller c, String path) throws Exception {
        return new String(bytes(fs.read(c, path, 0)), StandardCharsets.UTF_8);
    }

    static List<String> paths(List<FileInfo> files) {
        return files.stream().map(f -> f.path() + (f.isDirectory() ? "/" : "")).toList();
    }

    static SyscallException refused(Executable call) {
        return assertThrows(SyscallException.class, call);
    }

    @Test
    void memListsTheSpaceGroupsAndIsAmongTheRoots() throws Exception {
        assertEquals(List.of("/mem/shared/", "/mem/system/", "/mem/user/"), paths(fs.list(operator, "/mem")));
        assertTrue(paths(fs.list(operator, "/")).contains("/mem/"));
        assertTrue(fs.stat(operator, "/mem").isDirectory());
    }

    @Test
    void memSharedAndMemUserListTheirSpacesAsDirectories() throws Exception {
        assertEquals(List.of("/mem/shared/ops/", "/mem/shared/team/"), paths(fs.list(operator, "/mem/shared")));
        mem.processStarted(100, "carol");
        assertEquals(List.of("/mem/user/7/", "/mem/user/12/", "/mem/user/100/"), paths(fs.list(operator, "/mem/user")));
        assertTrue(fs.stat(operator, "/mem/shared/team").isDirectory());
    }

    @Test
    void aSpaceListsItsKeysAsFilesWithStoredSizeTimeAndVersion() throws Exception {
        put(MemCaller.operator("root"), "shared/team", "plan", MemWrite.json(JSON.readTree("{\"steps\":[]}")));
        List<FileInfo> files = fs.list(operator, "/mem/shared/team");
        assertEquals(List.of("/mem/shared/team/logo", "/mem/shared/team/plan"), paths(files));
        EntryInfo plan = mem.list(MemCaller.operator("root"), "shared/team", "plan", null, 1).entries().get(0);
        FileInfo f = fs.stat(operator, "/mem/shared/team/plan");
        assertEquals(2, f.version());
        assertEquals(plan.bytes(), f.size());
        assertEquals(plan.modifiedMillis(), f.timeMillis());
        assertEquals("root", f.owner());
        assertEquals(f.size(), files.get(1).size());
        assertEquals(4, fs.stat(operator, "/mem/shared/team/logo").size());
    }

    @Test
    void aJsonValueReadsAsPrettyJsonText() throws Exception {
        String t = text(operator, "/mem/system/motd");
        assertEquals(JSON.readTree("{\"text\":\"hello\",\"n\":1}"), JSON.readTree(t));
        assertTrue(t.contains("\n  \"text\" : \"hello\""), t);
    }

    @Test
    void aBlobReadsAsItsBytes() throws Exception {
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, bytes(fs.read(operator, "/mem/shared/team/logo", 0)));
    }

    @Test
    void aPagedOutWorkingEntryReadsAsItsSummaryAndStaysPagedOut() throws Exception {
        MemCaller p7 = MemCaller.process(7, "alice", c -> false);
        mem.setTokenBudget(7, 4);
        put(p7, "user/7", "old", MemWrite.json(JSON.readTree("{\"text\":\"the long story\"}")).working(4, "a story, told"));
        put(p7, "user/7", "new", MemWrite.json(JSON.readTree("{\"text\":\"newer\"}")).working(4, null));
        put(p7, "user/7", "newest", MemWrite.json(JSON.readTree("{\"text\":\"newest\"}")).working(4, null));
        assertFalse(resident(p7, "old"));
        assertFalse(resident(p7, "new"));

        FsCaller alice = process(7, "alice", "fs:read:/mem/**");
        assertEquals("a story, told", text(alice, "/mem/user/7/old"));
        assertEquals("", text(alice, "/mem/user/7/new"), "no summary: empty");
        assertFalse(resident(p7, "old"), "reading the file does not page it in");
        assertFalse(resident(p7, "new"));
        assertTrue(resident(p7, "newest"));
    }

    private boolean resident(MemCaller c, String key) throws SyscallException {
        EntryInfo e = mem.list(c, "user/7", key, null, 1).entries().get(0);
        assertEquals(key, e.key());
        return e.resident();
    }

    @Test
    void writesDeletesMkdirsAndRestoresUnderMemAreRefused() {
        List<Executable> calls = List.of(
                () -> fs.write(operator, "/mem/system/motd", new ByteArrayInputStream(new byte[1])),
                () -> fs.append(operator, "/mem/shared/team/plan", new ByteArrayInputStream(new byte[1])),
                () -> fs.delete(operator, "/mem/shared/team/plan"),
                () -> fs.mkdir(operator, "/mem/shared/new"),
                () -> fs.mkdir(operator, "/mem"),
                () -> fs.restore(operator, "/mem/system/motd", 1));
        for (Executable call : calls) {
            SyscallException e = refused(call);
            assertEquals(Errno.EPERM, e.errno());
            assertTrue(e.getMessage().contains("/mem is read-only: use the mem.* system calls"), e.getMessage());
        }
    }

    @Test
    void aProcessWithoutMemReadOnASpaceIsRefusedByTheManager() throws Exception {
        FsCaller alice = process(7, "alice", "fs:read:/mem/**");
        SyscallException e = refused(() -> fs.read(alice, "/mem/shared/team/plan", 0));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("mem:read:shared/team"), e.getMessage());
        assertEquals(Errno.EPERM, refused(() -> fs.list(alice, "/mem/shared/team")).errno());
        assertEquals(Errno.EPERM, refused(() -> fs.stat(alice, "/mem/shared/team/plan")).errno());
        assertEquals(Errno.EPERM, refused(() -> fs.list(alice, "/mem/user/12")).errno(), "another process's space");

        FsCaller granted = process(7, "alice", "fs:read:/mem/**", "mem:read:shared/team");
        assertTrue(text(granted, "/mem/shared/team/plan").contains("\"steps\""));
        FsCaller outsider = process(8, "mallory", "fs:read:/mem/**", "mem:read:shared/team");
        assertEquals(Errno.EPERM, refused(() -> fs.read(outsider, "/mem/shared/team/plan", 0)).errno(),
                "an owner the space does not name reads nothing of it, whatever its capabilities");
    }

    @Test
    void aProcessReadsItsOwnSpaceAndSystemWithoutMemCapabilities() throws Exception {
        put(MemCaller.process(7, "alice", c -> false), "user/7", "note", MemWrite.json(JSON.readTree("\"mine\"")));
        FsCaller alice = process(7, "alice", "fs:read:/mem/**");
        assertEquals(List.of("/mem/user/7/note"), paths(fs.list(alice, "/mem/user/7")));
        assertEquals("\"mine\"\n", text(alice, "/mem/user/7/note"));
        assertTrue(text(alice, "/mem/system/motd").contains("hello"));
    }

    @Test
    void readingMemNeedsTheFsReadCapabilityLikeAnyPath() throws Exception {
        FsCaller alice = process(7, "alice", "fs:read:/home/alice/**", "mem:read:**");
        SyscallException e = refused(() -> fs.read(alice, "/mem/system/motd", 0));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage().contains("fs:read:/mem/system/motd"), e.getMessage());
    }

    @Test
    void aMissingKeyOrSpaceIsENOENT() {
        assertEquals(Errno.ENOENT, refused(() -> fs.read(operator, "/mem/shared/team/nothing", 0)).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.stat(operator, "/mem/shared/team/nothing")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.list(operator, "/mem/shared/nothing")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.stat(operator, "/mem/user/99")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.stat(operator, "/mem/user/abc")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.stat(operator, "/mem/other")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.read(operator, "/mem/shared/team/plan/deeper", 0)).errno());
    }

    /** A second manager under another name: a heap memory that answers name() with {@code name}. */
    static org.agentos.kernel.api.memory.MemoryManager named(String name, HeapMemory inner) {
        return (org.agentos.kernel.api.memory.MemoryManager) java.lang.reflect.Proxy.newProxyInstance(
                MemTreeTest.class.getClassLoader(), new Class<?>[] {org.agentos.kernel.api.memory.MemoryManager.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("name")) return name;
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void memShowsTheManagerTheKernelUsesNotTheHighestRankedOne() throws Exception {
        HeapMemory other = HeapMemory.standalone();
        other.share(MemCaller.operator("root"), "elsewhere", new SharedSpec(false, 0));
        fs.addMemoryManager(named("second", other), Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 1, org.osgi.framework.Constants.SERVICE_ID, 2L));
        String[] bound = {null};
        fs.subsystems = new org.agentos.kernel.api.subsystem.Subsystems() {
            public List<org.agentos.kernel.api.subsystem.SubsystemBinding> bindings() { return List.of(); }
            public String bound(String subsystem) { return "memory".equals(subsystem) ? bound[0] : null; }
            public String choose(String subsystem, String implementation) { throw new UnsupportedOperationException(); }
        };
        // no manager bound by the kernel (or no kernel): the highest-ranked
        assertTrue(names(fs.list(operator, "/mem/shared")).contains("team"));
        bound[0] = "second"; // kernel:swap memory second
        assertEquals(List.of("elsewhere"), names(fs.list(operator, "/mem/shared")));
        bound[0] = mem.name(); // and back
        assertTrue(names(fs.list(operator, "/mem/shared")).contains("team"));
        fs.removeMemoryManager(mem); // the bound one left: the other one is all there is
        assertEquals(List.of("elsewhere"), names(fs.list(operator, "/mem/shared")));
    }

    private static List<String> names(List<org.agentos.kernel.api.fs.FileInfo> files) {
        return files.stream().map(f -> f.path().substring(f.path().lastIndexOf('/') + 1)).sorted().toList();
    }

    @Test
    void withoutAMemoryManagerMemListsEmptyAndReadsAreENOENT() throws Exception {
        fs.removeMemoryManager(mem);
        assertEquals(List.of(), fs.list(operator, "/mem"));
        assertTrue(fs.stat(operator, "/mem").isDirectory());
        SyscallException e = refused(() -> fs.read(operator, "/mem/system/motd", 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("no memory manager is bound"), e.getMessage());
        assertEquals(Errno.ENOENT, refused(() -> fs.list(operator, "/mem/shared")).errno());
        assertEquals(Errno.ENOENT, refused(() -> fs.stat(operator, "/mem/system")).errno());
    }

    @Test
    void keysWithSlashesAndPercentsRoundTripThroughTheirFileNames() throws Exception {
        MemCaller op = MemCaller.operator("root");
        put(op, "shared/ops", "notes/2024/today", MemWrite.json(JSON.readTree("1")));
        put(op, "shared/ops", "100%", MemWrite.json(JSON.readTree("2")));
        put(op, "shared/ops", "..", MemWrite.json(JSON.readTree("3")));
        put(op, "shared/ops", "back\\slash", MemWrite.json(JSON.readTree("4")));
        List<String> names = paths(fs.list(operator, "/mem/shared/ops"));
        assertEquals(List.of("/mem/shared/ops/%2E%2E", "/mem/shared/ops/100%25", "/mem/shared/ops/back%5Cslash",
                "/mem/shared/ops/notes%2F2024%2Ftoday"), names);
        assertEquals("1", text(operator, "/mem/shared/ops/notes%2F2024%2Ftoday").trim());
        assertEquals("2", text(operator, "/mem/shared/ops/100%25").trim());
        assertEquals("3", text(operator, "/mem/shared/ops/%2E%2E").trim());
        assertEquals("4", text(operator, "/mem/shared/ops/back%5Cslash").trim());
        assertEquals(Errno.ENOENT, refused(() -> fs.read(operator, "/mem/shared/ops/notes/2024/today", 0)).errno(),
                "a key's '/' is not a directory");
    }

    @Test
    void aMemFileHasOnlyItsCurrentVersion() throws Exception {
        put(MemCaller.kernel(), "system", "motd", MemWrite.json(JSON.readTree("\"second\"")));
        List<FileInfo> history = fs.history(operator, "/mem/system/motd");
        assertEquals(1, history.size());
        assertEquals(2, history.get(0).version());
        assertEquals("\"second\"\n", new String(bytes(fs.read(operator, "/mem/system/motd", 2)), StandardCharsets.UTF_8));
        assertEquals(Errno.ENOENT, refused(() -> fs.read(operator, "/mem/system/motd", 1)).errno());
    }
}
