package org.agentos.kernel.impl.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The call journal's records on disk: compact, read back whole, kept while a process lives and for the retention after. */
class CallJournalRetentionTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recordsRoundTripCompactly() throws Exception {
        JournalRecord r = JournalRecord.result(7, 3, 1_000, "fs.write", Args.of("path", "/home/a", "text", "x"),
                SyscallResult.ok(Args.of("version", 2)), 10, 42);
        JournalRecord back = JournalRecord.decode(r.encode(JSON), JSON);
        assertEquals(r, back);
        assertTrue(r.encode(JSON).length < 70, "a small call's record is small: " + r.encode(JSON).length + " bytes");
        JournalRecord failed = JournalRecord.result(7, 4, 1_001, "fs.read", null, SyscallResult.error(Errno.ENOENT, "no file"), 0, 0);
        JournalRecord f = JournalRecord.decode(failed.encode(JSON), JSON);
        assertEquals(Errno.ENOENT, f.errno());
        assertEquals("no file", f.message());
        assertNull(f.json());
        JournalRecord start = JournalRecord.start(9, 1, 5, "counter", "alice", Args.of("limit", 3));
        assertEquals(1, JournalRecord.decode(start.encode(JSON), JSON).ppid());
    }

    @Test
    void aCompactionKeepsLiveProcessesAndThoseEndedWithinTheRetention() throws Exception {
        long now = TimeUnit.DAYS.toMillis(100);
        long hour = TimeUnit.HOURS.toMillis(1);
        // pid 1 lives; pid 2 ended two days ago; pid 3 ended an hour ago; pid 4 left the table, its exit in the journal
        Map<Long, Long> ended = Map.of(1L, CallJournal.LIVE, 2L, now - 48 * hour, 3L, now - hour);
        CallJournal j = new CallJournal(dir, JSON, 24 * hour, () -> now, pid -> ended.getOrDefault(pid, CallJournal.UNKNOWN),
                pid -> null);
        j.recover(pid -> -1, name -> false);
        for (long pid = 1; pid <= 4; pid++) {
            j.append(JournalRecord.start(pid, 1, now - 72 * hour, "p", "alice", Args.none()), null);
            j.append(JournalRecord.result(pid, 1, now - 72 * hour, "clock.now", null, SyscallResult.ok(Args.of("millis", 1)), 0, 0), null);
        }
        j.append(JournalRecord.exit(4, now - 30 * hour), null);
        j.compactNow();
        j.close();
        CallJournal again = new CallJournal(dir, JSON, 24 * hour, () -> now, pid -> CallJournal.UNKNOWN, pid -> null);
        again.recover(pid -> -1, name -> false);
        assertEquals(2, again.of(1).size(), "a live process keeps everything");
        assertEquals(List.of(), again.of(2), "ended longer ago than the retention");
        assertEquals(2, again.of(3).size(), "ended within the retention");
        assertEquals(List.of(), again.of(4), "its exit in the journal, 30 hours ago");
        again.close();
    }

    @Test
    void aRecordThisKernelCannotReadIsSkippedNotABootFailure() throws Exception {
        java.nio.file.Path file = dir.resolve("journal").resolve("calls.log");
        java.nio.file.Files.createDirectories(file.getParent());
        try (org.agentos.kernel.api.journal.Journal raw = org.agentos.kernel.api.journal.Journal.open(file)) {
            raw.appendAndWait(new byte[] {JournalRecord.RESULT, 1, 0, 1, (byte) 0xFF, 0x7F}); // whole, but nonsense
            raw.appendAndWait(JournalRecord.result(1, 1, 5, "clock.now", null, SyscallResult.ok(Args.of("millis", 1)), 0, 0)
                    .encode(JSON));
        }
        CallJournal j = new CallJournal(dir, JSON, 1000, () -> 10, pid -> CallJournal.LIVE, pid -> null);
        CallJournal.Recovery r = j.recover(pid -> 0, name -> false);
        assertEquals(1, r.redo().get(1L).size(), "the readable record is there");
        j.close();
    }

    @Test
    void aLiveProcessesOlderRecordsGiveWayToASnapshotButItsLockResultsStay() throws Exception {
        long now = 1_000_000;
        JournalRecord snapshot = JournalRecord.snapshot(1, 3, now, "p", "alice", Args.of("state", Args.of("n", 3)));
        CallJournal j = new CallJournal(dir, JSON, 1000, () -> now, pid -> CallJournal.LIVE, pid -> pid == 1 ? snapshot : null);
        j.recover(pid -> -1, "mem.lock"::equals);
        j.append(JournalRecord.start(1, 0, now, "p", "alice", Args.of("n", 0)), null);
        j.append(JournalRecord.result(1, 1, now, "mem.lock", Args.of("name", "L"), SyscallResult.ok(Args.of("acquired", true)), 0, 0), null);
        for (long seq = 2; seq <= 5; seq++) {
            j.append(JournalRecord.result(1, seq, now, "clock.now", null, SyscallResult.ok(Args.of("millis", seq)), 0, 0), null);
        }
        j.append(JournalRecord.start(2, 0, now, "q", "bob", Args.none()), null); // no snapshot: kept whole
        j.compactNow();
        j.close();
        CallJournal again = new CallJournal(dir, JSON, 1000, () -> now, pid -> CallJournal.LIVE, pid -> null);
        CallJournal.Recovery r = again.recover(pid -> 0, "mem.lock"::equals);
        List<JournalRecord> one = again.of(1);
        assertEquals(List.of(JournalRecord.SNAPSHOT, JournalRecord.RESULT, JournalRecord.RESULT, JournalRecord.RESULT),
                one.stream().map(JournalRecord::kind).toList(), one.toString());
        assertEquals(3, one.get(0).seq());
        assertEquals(List.of(1L, 4L, 5L), one.stream().skip(1).map(JournalRecord::seq).toList(), "the lock's result and the calls after");
        assertEquals(snapshot, r.snapshots().get(1L));
        assertEquals(1, r.kept().size(), "the lock result is there for the fold");
        assertEquals(1, again.of(2).size());
        again.close();
    }
}
