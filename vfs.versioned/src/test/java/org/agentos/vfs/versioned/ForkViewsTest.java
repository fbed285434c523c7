package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole-agent fork's workspace: its own copy of the parent's trees, made without copying content. */
class ForkViewsTest {
    static final List<String> BOOK = List.of("fs:*:/home/alice/book/**", "fs:read:/home/alice/**");

    @TempDir
    Path dir;
    VersionedFileSystem fs;
    final FsCaller operator = FsCaller.operator("root", "test");

    @BeforeEach
    void open() throws Exception {
        fs = new VersionedFileSystem(dir, null, null);
    }

    @AfterEach
    void close() {
        fs.close();
    }

    /** Process {@code pid} of alice's with the book's capabilities, as FsSyscalls makes its callers. */
    static FsCaller process(long pid) throws SyscallException {
        return FsCaller.of(new FsSyscallsTest.Caller(pid, "alice", BOOK.toArray(String[]::new)), "fs.write", "vfs");
    }

    void write(FsCaller c, String path, String text) throws SyscallException {
        fs.write(c, path, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    String read(FsCaller c, String path) throws Exception {
        try (InputStream in = fs.read(c, path, 0)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    Errno errno(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(SyscallException.class, e).errno();
    }

    @Test
    void theForkHasItsOwnCopyAndNeitherSeesTheOthersWrites() throws Exception {
        FsCaller parent = process(5);
        write(parent, "/home/alice/book/a.txt", "parent's a");
        write(parent, "/home/alice/book/ch/b.txt", "parent's b");
        write(operator, "/home/alice/notes.txt", "everyone's");
        fs.mkdir(parent, "/home/alice/book/empty");
        long[] chunksBefore = fs.storedChunks();

        assertEquals("/home/alice/.forks/9", fs.fork(5, 9, "alice", BOOK));
        assertArrayEquals(chunksBefore, fs.storedChunks(), "no content is copied");

        FsCaller child = process(9);
        assertEquals("parent's a", read(child, "/home/alice/book/a.txt"));
        assertEquals("parent's b", read(child, "/home/alice/book/ch/b.txt"));
        assertEquals(List.of("/home/alice/book/a.txt", "/home/alice/book/ch", "/home/alice/book/empty"),
                fs.list(child, "/home/alice/book").stream().map(FileInfo::path).toList(), "its paths are the ones it always used");

        write(child, "/home/alice/book/a.txt", "child's a");
        write(parent, "/home/alice/book/ch/b.txt", "parent's new b");
        write(child, "/home/alice/book/new.txt", "only the child's");
        fs.delete(child, "/home/alice/book/ch/b.txt");

        assertEquals("parent's a", read(parent, "/home/alice/book/a.txt"));
        assertEquals("parent's new b", read(parent, "/home/alice/book/ch/b.txt"));
        assertEquals(Errno.ENOENT, errno(() -> read(parent, "/home/alice/book/new.txt")));
        assertEquals("child's a", read(child, "/home/alice/book/a.txt"));
        assertEquals(Errno.ENOENT, errno(() -> read(child, "/home/alice/book/ch/b.txt")));
        FileInfo a = fs.stat(child, "/home/alice/book/a.txt");
        assertEquals("/home/alice/book/a.txt", a.path());
        assertEquals(2, a.version(), "the copy is version 1 of the fork's file");
        assertEquals(List.of("/home/alice/book/a.txt", "/home/alice/book/a.txt"),
                fs.history(child, "/home/alice/book/a.txt").stream().map(FileInfo::path).toList());
        assertEquals("everyone's", read(child, "/home/alice/notes.txt"), "outside its workspace the files are everyone's");

        // the operator finds the fork's files where they are kept, and as the fork sees them
        assertEquals("only the child's", read(operator, "/home/alice/.forks/9/home/alice/book/new.txt"));
        assertEquals("child's a", read(operator.viewing(9), "/home/alice/book/a.txt"));
        assertEquals("parent's a", read(operator, "/home/alice/book/a.txt"));
    }

    @Test
    void aForkOfAForkCopiesWhatItsParentSees() throws Exception {
        write(process(5), "/home/alice/book/a.txt", "first");
        fs.fork(5, 9, "alice", BOOK);
        write(process(9), "/home/alice/book/a.txt", "the fork's");
        fs.fork(9, 12, "alice", BOOK);
        assertEquals("the fork's", read(process(12), "/home/alice/book/a.txt"));
        write(process(12), "/home/alice/book/a.txt", "the fork's fork's");
        assertEquals("the fork's", read(process(9), "/home/alice/book/a.txt"));
        assertEquals("first", read(process(5), "/home/alice/book/a.txt"));
    }

    @Test
    void aWholeHomeIsForkedWithoutTheForksKeptInIt() throws Exception {
        List<String> home = List.of("fs:*:/home/alice/**");
        FsCaller parent = FsCaller.of(new FsSyscallsTest.Caller(5, "alice", home.toArray(String[]::new)), "fs.write", "vfs");
        write(parent, "/home/alice/a.txt", "a");
        fs.fork(5, 9, "alice", home);
        fs.fork(5, 10, "alice", home); // the second copy leaves out the first
        FsCaller second = FsCaller.of(new FsSyscallsTest.Caller(10, "alice", home.toArray(String[]::new)), "fs.write", "vfs");
        assertEquals("a", read(second, "/home/alice/a.txt"));
        assertEquals(List.of("/home/alice/a.txt"), fs.list(second, "/home/alice").stream().map(FileInfo::path).toList());
    }

    @Test
    void theViewOutlivesARestart() throws Exception {
        write(process(5), "/home/alice/book/a.txt", "parent's");
        fs.fork(5, 9, "alice", BOOK);
        write(process(9), "/home/alice/book/a.txt", "child's");
        fs.close();
        fs = new VersionedFileSystem(dir, null, null);
        assertEquals("child's", read(process(9), "/home/alice/book/a.txt"));
        assertEquals("parent's", read(process(5), "/home/alice/book/a.txt"));
    }

    @Test
    void theViewOutlivesACompactionOfTheLog() throws Exception {
        write(process(5), "/home/alice/book/a.txt", "parent's");
        fs.fork(5, 9, "alice", BOOK);
        write(process(9), "/home/alice/book/a.txt", "child's");
        fs.setQuotas(VersionStore.Quota.NONE, Map.of("bob", new VersionStore.Quota(300_000, 100)));
        fs.store().compactAboveBytes = 1_000_000;
        java.util.Random random = new java.util.Random(7);
        FsCaller bob = FsCaller.operator("bob", "test");
        for (int i = 0; i < 40; i++) { // 100 kB each, 3 fit bob's quota: the rest expire, and the log is compacted
            byte[] data = new byte[100_000];
            random.nextBytes(data);
            fs.write(bob, "/home/bob/big", new ByteArrayInputStream(data));
        }
        org.junit.jupiter.api.Assertions.assertTrue(fs.store().compactions() > 0);
        fs.close();
        fs = new VersionedFileSystem(dir, null, null);
        assertEquals("child's", read(process(9), "/home/alice/book/a.txt"));
        assertEquals("parent's", read(process(5), "/home/alice/book/a.txt"));
    }

    @Test
    void theViewGoesWhenTheForkEndsAndItsCopyStays() throws Exception {
        java.util.concurrent.CompletableFuture<org.agentos.kernel.api.process.ExitStatus> end = new java.util.concurrent.CompletableFuture<>();
        fs.close();
        fs = new VersionedFileSystem(dir, (org.agentos.kernel.api.process.ProcessManager) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.agentos.kernel.api.process.ProcessManager.class}, (proxy, m, args) -> {
                    if (m.getName().equals("awaitExit") && (long) args[0] == 9) return end;
                    throw new UnsupportedOperationException(m.getName());
                }), null);
        write(process(5), "/home/alice/book/a.txt", "parent's");
        fs.fork(5, 9, "alice", BOOK);
        write(process(9), "/home/alice/book/a.txt", "child's");
        end.complete(null);
        assertEquals("parent's", read(process(9), "/home/alice/book/a.txt"), "pid 9 ended: its view went");
        assertEquals("child's", read(operator, "/home/alice/.forks/9/home/alice/book/a.txt"), "its files stay");
        fs.close();
        fs = new VersionedFileSystem(dir, null, null);
        assertEquals("parent's", read(process(9), "/home/alice/book/a.txt"), "and it stays gone after a restart");
    }

    @Test
    void aCopyOverTheQuotaIsRefusedWhole() throws Exception {
        write(process(5), "/home/alice/book/a.txt", "0123456789");
        write(process(5), "/home/alice/book/b.txt", "0123456789");
        fs.setQuotas(new VersionStore.Quota(30, 100), Map.of());
        assertEquals(Errno.EQUOTA, errno(() -> fs.fork(5, 9, "alice", BOOK)));
        assertEquals(Errno.ENOENT, errno(() -> fs.stat(operator, "/home/alice/.forks/9")), "nothing was copied");
        assertEquals("0123456789", read(process(9), "/home/alice/book/a.txt"), "no view: it shares the files");
    }

    @Test
    void capabilitiesOutsideHomeNameNoWorkspace() throws Exception {
        assertNull(fs.fork(5, 9, "alice", List.of("fs:*:/shared/team/**", "fs:*:/tmp/**", "fs:*:/**")));
        assertEquals(Errno.EEXIST, errno(() -> {
            fs.fork(5, 9, "alice", BOOK);
            fs.fork(5, 9, "alice", BOOK);
        }), "a pid's copy is made once");
    }
}
