package org.agentos.kernel.api.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> records(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        Journal.read(file, r -> out.add(new String(r, UTF_8)));
        return out;
    }

    @Test
    void aFlushWaitsUntilWhatWasAppendedCanBeReadBack() throws Exception {
        Path file = dir.resolve("flush.log");
        try (Journal j = Journal.open(file)) {
            for (int i = 0; i < 1000; i++) j.append(("record " + i).getBytes(UTF_8), null); // nobody waits for these
            j.flush();
            List<String> read = new ArrayList<>();
            Journal.readWhole(file, r -> read.add(new String(r, UTF_8)));
            assertEquals(1000, read.size());
            assertEquals("record 999", read.get(999));
        }
    }

    @Test
    void aRecordIsAcknowledgedOnceOnDiskAndReadBackInOrder() throws Exception {
        Path file = dir.resolve("j.log");
        List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(100);
        try (Journal j = Journal.open(file)) {
            for (int i = 0; i < 100; i++) {
                String r = "r" + i;
                j.append(b(r), failure -> {
                    assertNull(failure);
                    acked.add(r);
                    all.countDown();
                });
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
            assertEquals(Files.size(file), j.size()); // acknowledged means in the file
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) expected.add("r" + i);
        assertEquals(expected, acked, "callbacks run in record order");
        assertEquals(expected, records(file));
    }

    @Test
    void aTornTailIsCutOffAndLaterRecordsFollowTheLastWholeOne() throws Exception {
        Path file = dir.resolve("j.log");
        try (Journal j = Journal.open(file)) {
            j.appendAndWait(b("one"));
            j.appendAndWait(b("two"));
        }
        long whole = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(whole);
            raf.writeInt(1000); // a header whose record the crash never wrote
            raf.writeInt(0);
            raf.write(b("thr"));
        }
        assertEquals(List.of("one", "two"), records(file));
        assertEquals(whole, Files.size(file), "the torn record is cut off the file");
        try (Journal j = Journal.open(file)) {
            j.appendAndWait(b("three"));
        }
        assertEquals(List.of("one", "two", "three"), records(file));
    }

    @Test
    void aCorruptRecordEndsTheJournal() throws Exception {
        Path file = dir.resolve("j.log");
        try (Journal j = Journal.open(file)) {
            for (String r : List.of("one", "two", "three")) j.appendAndWait(b(r));
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(8 + 3 + 8); // the first byte of "two"
            raf.write('T');
        }
        assertEquals(List.of("one"), records(file));
    }

    @Test
    void aCompactionKeepsTheSnapshotAndEveryRecordQueuedAfterIt() throws Exception {
        Path file = dir.resolve("j.log");
        CountDownLatch inSnapshot = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        try (Journal j = Journal.open(file)) {
            for (int i = 0; i < 50; i++) j.append(b("old" + i), null);
            j.compact(out -> {
                inSnapshot.countDown();
                try {
                    if (!goOn.await(10, TimeUnit.SECONDS)) throw new IOException("the test never let the snapshot go on");
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                out.add(b("live"));
            });
            assertTrue(j.compacting());
            assertTrue(inSnapshot.await(10, TimeUnit.SECONDS));
            // written while the snapshot is being taken: must follow it in the new file
            j.append(b("during"), null);
            goOn.countDown();
            j.appendAndWait(b("after"));
            assertFalse(j.compacting());
            assertEquals(1, j.compactions());
        }
        assertEquals(List.of("live", "during", "after"), records(file));
        assertFalse(Files.exists(dir.resolve("j.log.compact")));
    }

    @Test
    void anAutomaticCompactionRunsOnceTheFileHasGrownAndDoubled() throws Exception {
        Path file = dir.resolve("j.log");
        byte[] filler = new byte[1000];
        try (Journal j = Journal.open(file, 10_000, out -> out.add(b("live")))) {
            for (int i = 0; i < 30; i++) j.appendAndWait(filler);
            assertTrue(j.compactions() >= 1, "compactions: " + j.compactions());
            assertTrue(j.size() < 15_000, "size " + j.size());
        }
        List<String> after = records(file);
        assertEquals("live", after.get(0));
        assertTrue(after.size() < 30);
    }

    @Test
    void aRecordAppendedAfterCloseFailsAndTooLargeARecordIsRefused() throws Exception {
        Path file = dir.resolve("j.log");
        Journal j = Journal.open(file);
        assertThrows(IllegalArgumentException.class, () -> j.append(new byte[Journal.MAX_RECORD + 1], null));
        j.close();
        AtomicReference<IOException> failed = new AtomicReference<>();
        j.append(b("late"), failed::set);
        assertNotNull(failed.get());
        assertThrows(IOException.class, () -> j.appendAndWait(b("late")));
        assertEquals(List.of(), records(file));
    }

    @Test
    void aFailedSnapshotLeavesTheJournalAsItWas() throws Exception {
        Path file = dir.resolve("j.log");
        try (Journal j = Journal.open(file)) {
            j.appendAndWait(b("kept"));
            j.compact(out -> {
                out.add(b("half"));
                throw new IOException("the snapshot broke");
            });
            j.appendAndWait(b("next"));
            assertEquals(0, j.compactions());
            assertFalse(j.compacting());
        }
        assertEquals(List.of("kept", "next"), records(file));
    }
}
