package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionStoreTest {
    static final VersionStore.Author ALICE = new VersionStore.Author(42, "alice", "test", "fs.write");

    @TempDir
    Path dir;
    VersionStore store;

    @BeforeEach
    void open() {
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    String read(VersionStore.Version v) throws IOException {
        try (InputStream in = store.open(v)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aCallMadeAgainAfterACrashIsAnsweredWithTheVersionItMadeTheFirstTime() throws Exception {
        VersionStore.Author first = new VersionStore.Author(42, "alice", "test", "fs.append", "42:7");
        VersionStore.Version v1 = store.write("/home/alice/log.txt", text("one\n"), first);
        // the same call again (the kernel never learned its result): nothing written, the same version
        VersionStore.Version again = store.write("/home/alice/log.txt", text("one\none\n"), first);
        assertEquals(v1, again);
        assertEquals("one\n", read(store.index.latest("/home/alice/log.txt").orElseThrow()));
        store.close();
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        assertEquals(1, store.write("/home/alice/log.txt", text("one\none\n"), first).number(), "also after a restart");
        VersionStore.Version next = store.write("/home/alice/log.txt", text("one\ntwo\n"),
                new VersionStore.Author(42, "alice", "test", "fs.append", "42:8"));
        assertEquals(2, next.number(), "another call writes");
        assertEquals(next, store.delete("/home/alice/log.txt", new VersionStore.Author(42, "alice", "test", "fs.delete", "42:8")),
                "a call id answers whatever that call was");
    }

    @Test
    void everyWriteIsANewVersionAndOldOnesStayReadable() throws Exception {
        VersionStore.Version v1 = store.write("/home/alice/notes.txt", text("one"), ALICE);
        VersionStore.Version v2 = store.write("/home/alice/notes.txt", text("two"), ALICE);
        assertEquals(1, v1.number());
        assertEquals(2, v2.number());
        assertEquals("two", read(store.index.latest("/home/alice/notes.txt").orElseThrow()));
        assertEquals("one", read(store.index.version("/home/alice/notes.txt", 1).orElseThrow()));
        List<VersionStore.Version> h = store.index.history("/home/alice/notes.txt");
        assertEquals(List.of(1L, 2L), h.stream().map(VersionStore.Version::number).toList());
        assertEquals(42, h.get(1).pid());
        assertEquals("fs.write", h.get(1).syscall());
        assertTrue(store.index.history("/home/alice/notes").isEmpty(), "a prefix of the name is another path");
    }

    @Test
    void deleteKeepsHistoryAndRestoreMakesANewVersion() throws Exception {
        store.write("/home/alice/a", text("first"), ALICE);
        store.write("/home/alice/a", text("second"), ALICE);
        VersionStore.Version gone = store.delete("/home/alice/a", ALICE);
        assertTrue(gone.deleted());
        assertTrue(store.index.latest("/home/alice/a").isEmpty());
        assertEquals(List.of(), store.index.list("/home/alice"));
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class, () -> store.delete("/home/alice/a", ALICE)).errno());

        VersionStore.Version back = store.restore("/home/alice/a", 1, ALICE);
        assertEquals(4, back.number());
        assertEquals(1, back.restoredFrom());
        assertEquals("first", read(store.index.latest("/home/alice/a").orElseThrow()));
        assertEquals(4, store.index.history("/home/alice/a").size());
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class,
                () -> store.restore("/home/alice/a", 3, ALICE)).errno(), "3 is the deletion");
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class,
                () -> store.restore("/home/alice/a", 9, ALICE)).errno());
    }

    @Test
    void listingShowsFilesAndDirectoriesOneLevelDown() throws Exception {
        store.write("/home/alice/a.txt", text("x"), ALICE);
        store.write("/home/alice/src/Main.java", text("x"), ALICE);
        store.write("/home/alice/src/util/U.java", text("x"), ALICE);
        store.write("/home/alicia/b.txt", text("x"), ALICE);
        assertEquals(List.of("a.txt", "src/"), store.index.list("/home/alice"));
        assertEquals(List.of("Main.java", "util/"), store.index.list("/home/alice/src"));
        assertEquals(List.of("alice/", "alicia/"), store.index.list("/home"));
    }

    @Test
    void identicalContentIsStoredOnce() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        store.write("/shared/x", new ByteArrayInputStream(data), ALICE);
        long[] before = store.blobStats();
        store.write("/shared/y", new ByteArrayInputStream(data), ALICE);
        store.write("/shared/x", new ByteArrayInputStream(data), ALICE);
        assertArrayEquals(before, store.blobStats(), "no new chunk for the same content");
        assertEquals(16, before[0], "1 MiB in 64 KiB chunks");
        byte[] changedTail = data.clone();
        changedTail[changedTail.length - 1] ^= 1;
        store.write("/shared/z", new ByteArrayInputStream(changedTail), ALICE);
        assertEquals(17, store.blobStats()[0], "only the changed chunk is new");
    }

    @Test
    void aLargeFileIsStreamedInAndOut() throws Exception {
        long size = 40L << 20; // 40 MiB from a generator, never in one array
        MessageDigest in = MessageDigest.getInstance("SHA-256");
        InputStream generated = new InputStream() {
            long left = size;
            final Random r = new Random(7);

            @Override
            public int read() {
                if (left == 0) return -1;
                left--;
                int b = r.nextInt(256);
                in.update((byte) b);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (left == 0) return -1;
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) buf[off + i] = (byte) r.nextInt(256);
                in.update(buf, off, n);
                left -= n;
                return n;
            }
        };
        VersionStore.Version v = store.write("/home/alice/big.bin", generated, ALICE);
        assertEquals(size, v.size());
        assertEquals(HexFormat.of().formatHex(in.digest()), v.sha256());
        MessageDigest out = MessageDigest.getInstance("SHA-256");
        try (InputStream s = store.open(v)) {
            byte[] buf = new byte[8192];
            for (int n; (n = s.read(buf)) > 0; ) out.update(buf, 0, n);
        }
        assertEquals(v.sha256(), HexFormat.of().formatHex(out.digest()));
    }

    @Test
    void quotasRefuseWritesThatGoOverAndChangeNothing() throws Exception {
        VersionStore.Quota q = new VersionStore.Quota(10, 2);
        store.index.setQuotas(owner -> q);
        store.write("/home/alice/a", text("12345"), ALICE);
        SyscallException bytes = assertThrows(SyscallException.class, () -> store.write("/home/alice/b", text("123456"), ALICE));
        assertEquals(Errno.EQUOTA, bytes.errno());
        assertTrue(bytes.getMessage().contains("11 bytes, its quota is 10"), bytes.getMessage());
        assertTrue(store.index.head("/home/alice/b").isEmpty());
        store.write("/home/alice/b", text("1"), ALICE);
        SyscallException files = assertThrows(SyscallException.class, () -> store.write("/home/alice/c", text(""), ALICE));
        assertEquals(Errno.EQUOTA, files.errno());
        assertEquals(new VersionStore.Usage(6, 2), store.index.usage("alice"));
        store.write("/home/alice/a", text("1234"), ALICE); // shrinking is always allowed
        store.delete("/home/alice/b", ALICE);
        assertEquals(new VersionStore.Usage(4, 1), store.index.usage("alice"));
    }

    @Test
    void historyCountsAgainstTheQuotaAndTheOldestExpiresToMakeRoom() throws Exception {
        store.index.setQuotas(owner -> new VersionStore.Quota(100, 10));
        String ten = "0123456789";
        for (int i = 0; i < 10; i++) store.write("/home/alice/f", text(ten), ALICE); // v1..v10: 10 live, 90 history
        assertEquals(10, store.index.usage("alice").bytes());
        assertEquals(90, store.index.historyBytes("alice"), "nine older versions of 10 bytes are stored, and counted");
        store.write("/home/alice/f", text(ten), ALICE); // v11: v1 expires to keep 100
        assertEquals(90, store.index.historyBytes("alice"));
        assertTrue(store.index.version("/home/alice/f", 1).isEmpty(), "the oldest version expired");
        assertEquals(ten, read(store.index.version("/home/alice/f", 2).orElseThrow()));
        store.write("/home/alice/g", text(ten + ten + ten), ALICE); // 30 more live: v2..v4 expire
        assertEquals(40, store.index.usage("alice").bytes());
        assertEquals(60, store.index.historyBytes("alice"));
        assertTrue(store.index.version("/home/alice/f", 4).isEmpty());
        assertTrue(store.index.version("/home/alice/f", 5).isPresent());
        store.delete("/home/alice/g", ALICE); // a deleted file's content is history until it expires
        assertEquals(10, store.index.usage("alice").bytes());
        assertEquals(90, store.index.historyBytes("alice"));
        SyscallException tooBig = assertThrows(SyscallException.class, () -> store.write("/home/alice/h", text("x".repeat(91)), ALICE));
        assertEquals(Errno.EQUOTA, tooBig.errno(), "more than the quota holds even without history: nothing expires");
        assertEquals(90, store.index.historyBytes("alice"));
        assertEquals(0, store.index.historyBytes("bob"));
        store.close();
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        assertEquals(90, store.index.historyBytes("alice"), "expiries are in the log: the same history after a reopen");
        assertTrue(store.index.version("/home/alice/f", 4).isEmpty());
        assertEquals(ten, read(store.index.version("/home/alice/f", 5).orElseThrow()));
    }

    @Test
    void expiredVersionsLeaveTheDiskWhenTheLogIsCompactedAndReadersCarryOn() throws Exception {
        store.index.setQuotas(owner -> new VersionStore.Quota(300_000, 100));
        store.compactAboveBytes = 1_000_000;
        java.util.Random random = new java.util.Random(7);
        byte[] last = null;
        // another thread reads a file that stays the whole time, across the compactions
        store.write("/shared/stable", text("steady"), new VersionStore.Author(1, "bob", "test", "fs.write"));
        java.util.concurrent.atomic.AtomicReference<Throwable> readerFailed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            try {
                while (writing.get()) {
                    assertEquals("steady", read(store.index.latest("/shared/stable").orElseThrow()));
                    reads.incrementAndGet();
                }
            } catch (Throwable t) {
                readerFailed.set(t);
            }
        });
        reader.start();
        // each write a different 100 kB: at most 3 fit in alice's quota, so almost every version expires
        for (int i = 0; i < 40; i++) {
            last = new byte[100_000];
            random.nextBytes(last);
            store.write("/home/alice/big", new ByteArrayInputStream(last), ALICE);
            // a reader of the latest version meanwhile, across the compactions
            try (InputStream in = store.open(store.index.latest("/home/alice/big").orElseThrow())) {
                assertArrayEquals(last, in.readAllBytes());
            }
        }
        writing.set(false);
        reader.join(10_000);
        assertNull(readerFailed.get(), () -> "a reader failed: " + readerFailed.get());
        assertTrue(reads.get() > 0);
        store.write("/home/alice/small", text("kept"), ALICE);
        assertTrue(store.compactions() >= 1, "the log was compacted");
        assertTrue(store.logBytes() < 2_000_000, "4 MB were written, what is kept is 300 kB: " + store.logBytes());
        assertEquals(java.nio.file.Files.size(dir.resolve("vfs.log")), store.logBytes());
        long history = store.index.historyBytes("alice");
        VersionStore.Version latest = store.index.latest("/home/alice/big").orElseThrow();
        assertEquals(40, latest.number(), "numbers go on");
        store.close();
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        try (InputStream in = store.open(store.index.latest("/home/alice/big").orElseThrow())) {
            assertArrayEquals(last, in.readAllBytes(), "the compacted log reads back");
        }
        assertEquals("kept", read(store.index.latest("/home/alice/small").orElseThrow()));
        assertEquals(history, store.index.historyBytes("alice"));
        assertEquals(new VersionStore.Usage(100_004, 2), store.index.usage("alice"), "usage is counted from the files");
        VersionStore.Version next = store.write("/home/alice/big", text("after"), ALICE);
        assertEquals(41, next.number());
    }

    @Test
    void manyConcurrentWritersGetContiguousVersionsAndAllSurviveAReopen() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int writer = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 100; i++) {
                    store.write("/shared/log", text("w" + writer + " i" + i), ALICE);
                    store.write("/home/w" + writer + "/f", text("i" + i), ALICE);
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        store.close();
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        List<VersionStore.Version> log = store.index.history("/shared/log");
        assertEquals(800, log.size());
        for (int i = 0; i < log.size(); i++) assertEquals(i + 1, log.get(i).number());
        for (int t = 0; t < 8; t++) assertEquals("i99", read(store.index.latest("/home/w" + t + "/f").orElseThrow()));
        assertEquals(new VersionStore.Usage(store.index.latest("/shared/log").orElseThrow().size() + 8 * 3, 9), store.index.usage("alice"));
    }

    @Test
    void aTornTailIsCutAtOpenAndWritingGoesOn() throws Exception {
        store.write("/home/alice/a", text("kept"), ALICE);
        store.close();
        Path file = dir.resolve("vfs.log");
        long whole = java.nio.file.Files.size(file);
        // a crash in the middle of an append: a header that promises more than is there
        java.nio.file.Files.write(file, new byte[] {0, 0, 1, 0, 1, 2, 3, 4, 9, 9}, java.nio.file.StandardOpenOption.APPEND);
        store = new VersionStore(file, System::currentTimeMillis);
        assertEquals(whole, java.nio.file.Files.size(file), "the torn record is cut off");
        assertEquals("kept", read(store.index.latest("/home/alice/a").orElseThrow()));
        store.write("/home/alice/a", text("more"), ALICE);
        store.close();
        store = new VersionStore(file, System::currentTimeMillis);
        assertEquals(2, store.index.history("/home/alice/a").size());
        assertEquals("more", read(store.index.latest("/home/alice/a").orElseThrow()));
    }

    @Test
    void aCorruptRecordEndsTheLogThere() throws Exception {
        store.write("/home/alice/a", text("one"), ALICE);
        long afterFirst = java.nio.file.Files.size(dir.resolve("vfs.log"));
        store.write("/home/alice/a", text("two"), ALICE);
        store.close();
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("vfs.log"), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), afterFirst + 20); // flip a byte in the second write's records
        }
        store = new VersionStore(dir.resolve("vfs.log"), System::currentTimeMillis);
        assertEquals(1, store.index.history("/home/alice/a").size(), "the checksum stops replay at the damage");
        assertEquals("one", read(store.index.latest("/home/alice/a").orElseThrow()));
    }
}
