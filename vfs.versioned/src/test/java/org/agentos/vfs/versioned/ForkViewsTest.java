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

/** A whole-agent fork's workspace: a layer of its own over what its parent sees, made with one record. */
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
        assertEquals(1, a.version(), "the fork's own versions count from its first change");
        assertEquals(List.of("/home/alice/book/a.txt"), fs.history(child, "/home/alice/book/a.txt").stream().map(FileInfo::path).toList());
        assertEquals(List.of("/home/alice/book/a.txt", "/home/alice/book/ch", "/home/alice/book/empty", "/home/alice/book/new.txt"),
                fs.list(child, "/home/alice/book").stream().map(FileInfo::path).toList());
        assertEquals(List.of(), fs.list(child, "/home/alice/book/ch"), "what it deleted is gone for it only");
        assertEquals(List.of("/home/alice/book/a.txt", "/home/alice/book/ch", "/home/alice/book/empty"),
                fs.list(parent, "/home/alice/book").stream().map(FileInfo::path).toList(), "the parent's is as it was");
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
        fs = new VersionedFileSystem(dir, endsOn(9, end), null);
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
    void whatThePartentChangesAfterTheForkTheForkDoesNotSeeAndPaysNothingForUntilThen() throws Exception {
        FsCaller parent = process(5);
        write(parent, "/home/alice/book/kept.txt", "0123456789");
        write(parent, "/home/alice/book/gone.txt", "0123456789");
        long before = aliceBytes();
        fs.fork(5, 9, "alice", BOOK);
        assertEquals(before, aliceBytes(), "a fork costs nothing");
        write(parent, "/home/alice/book/kept.txt", "changed by the parent");
        fs.delete(parent, "/home/alice/book/gone.txt");
        write(parent, "/home/alice/book/born.txt", "made after the fork");
        FsCaller child = process(9);
        assertEquals("0123456789", read(child, "/home/alice/book/kept.txt"));
        assertEquals("0123456789", read(child, "/home/alice/book/gone.txt"), "deleted below: the fork still has it");
        assertEquals(Errno.ENOENT, errno(() -> read(child, "/home/alice/book/born.txt")));
        assertEquals(List.of("/home/alice/book/gone.txt", "/home/alice/book/kept.txt"),
                fs.list(child, "/home/alice/book").stream().map(FileInfo::path).toList());
        assertEquals("changed by the parent", read(parent, "/home/alice/book/kept.txt"));
        // the two files kept for the fork are charged to its owner: what was shared is two copies now
        assertEquals(before + 20 + "changed by the parent".length() - 10 - 10 + "made after the fork".length(), aliceBytes());
    }

    long aliceBytes() {
        return fs.usage().stream().filter(u -> u.owner().equals("alice")).mapToLong(org.agentos.kernel.api.fs.FsUsage::bytes).sum();
    }

    @Test
    void aForkEndedWhileItsForkLivesStaysUnderIt() throws Exception {
        java.util.concurrent.CompletableFuture<org.agentos.kernel.api.process.ExitStatus> end = new java.util.concurrent.CompletableFuture<>();
        fs.close();
        fs = new VersionedFileSystem(dir, endsOn(9, end), null);
        write(process(5), "/home/alice/book/a.txt", "first");
        fs.fork(5, 9, "alice", BOOK);
        write(process(9), "/home/alice/book/b.txt", "the fork's");
        fs.fork(9, 12, "alice", BOOK);
        end.complete(null); // 9 ends; 12 still sees through its layer
        write(process(5), "/home/alice/book/a.txt", "changed below both");
        assertEquals("first", read(process(12), "/home/alice/book/a.txt"));
        assertEquals("the fork's", read(process(12), "/home/alice/book/b.txt"));
        fs.close();
        fs = new VersionedFileSystem(dir, null, null);
        assertEquals("first", read(process(12), "/home/alice/book/a.txt"), "after a restart too");
        assertEquals("the fork's", read(process(12), "/home/alice/book/b.txt"));
    }

    static org.agentos.kernel.api.process.ProcessManager endsOn(long pid, java.util.concurrent.CompletableFuture<?> end) {
        return (org.agentos.kernel.api.process.ProcessManager) java.lang.reflect.Proxy.newProxyInstance(
                ForkViewsTest.class.getClassLoader(), new Class<?>[] {org.agentos.kernel.api.process.ProcessManager.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("awaitExit")) return (long) args[0] == pid ? end : new java.util.concurrent.CompletableFuture<>();
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void capabilitiesOutsideHomeNameNoWorkspace() throws Exception {
        assertNull(fs.fork(5, 9, "alice", List.of("fs:*:/shared/team/**", "fs:*:/tmp/**", "fs:*:/**")));
        assertEquals(Errno.EEXIST, errno(() -> {
            fs.fork(5, 9, "alice", BOOK);
            fs.fork(5, 9, "alice", BOOK);
        }), "a pid's view is made once");
    }
}
