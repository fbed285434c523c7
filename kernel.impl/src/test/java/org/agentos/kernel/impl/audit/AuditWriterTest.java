package org.agentos.kernel.impl.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.audit.AuditRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditWriterTest {
    @TempDir
    Path dir;

    /**
     * A process whose steps alternate between two CPU workers appends its records from two
     * threads (two stripes); the log must still show them in the order they happened.
     */
    @Test
    void aProcessesRecordsKeepTheirOrderWhenItMovesBetweenThreads() throws Exception {
        AuditWriter audit = new AuditWriter(dir, false, 64L << 20, 4, 0, new ObjectMapper(), System::nanoTime, System::currentTimeMillis);
        int n = 20_000;
        Object processLock = new Object();
        int[] next = {0};
        class Worker extends Thread {
            final int parity;

            Worker(int parity) {
                this.parity = parity;
            }

            @Override
            public void run() {
                synchronized (processLock) {
                    while (true) {
                        // The process's steps alternate between the two workers, as under the kernel's process lock.
                        while (next[0] < n && next[0] % 2 != parity) {
                            try {
                                processLock.wait(1000);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        if (next[0] >= n) {
                            processLock.notifyAll();
                            return;
                        }
                        audit.append(System.currentTimeMillis(), AuditRecord.SYSCALL, 7, "t", "proc.yield", "ok", 0,
                                Integer.toString(next[0]), null, null);
                        next[0]++;
                        processLock.notifyAll();
                    }
                }
            }
        }
        Worker even = new Worker(0);
        Worker odd = new Worker(1);
        even.start();
        odd.start();
        even.join(30_000);
        odd.join(30_000);
        audit.sync();
        List<AuditRecord> records = audit.read(new AuditQuery(7, null, null, n));
        audit.close();
        assertFalse(even.isAlive() || odd.isAlive(), "the workers finished");
        assertEquals(n, records.size(), "every record was read back");
        for (int i = 1; i < records.size(); i++) {
            assertEquals(Integer.parseInt(records.get(i - 1).detail()) + 1, Integer.parseInt(records.get(i).detail()),
                    "record " + i + " out of order");
        }
        List<String> lines = Files.readAllLines(Files.list(dir).findFirst().orElseThrow());
        assertEquals(records.size(), lines.size());
    }

    /**
     * The in-memory ring (what a read finds first) keeps small arguments and results whole and
     * replaces large ones by a note, with a log on disk (sized from the encoded line) and without
     * one (counted); the log on disk keeps everything whole.
     */
    @Test
    void theRingKeepsSmallArgumentsWholeAndLargeOnesAsANoteWhileTheLogKeepsAll() throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ArrayNode big = json.createArrayNode();
        for (int i = 0; i < 200; i++) big.add(i);
        com.fasterxml.jackson.databind.JsonNode small = org.agentos.kernel.api.syscall.Args.of("queue", "q", "max", 1);
        for (Path where : new Path[] {dir.resolve("log"), null}) {
            AuditWriter audit = new AuditWriter(where, false, 64L << 20, 4, 0, json, System::nanoTime, System::currentTimeMillis);
            audit.append(1L, AuditRecord.SYSCALL, 7, "t", "ipc.recv", "ok", 0, null, small, small);
            audit.append(2L, AuditRecord.SYSCALL, 7, "t", "ipc.send", "ok", 0, null, big, null);
            audit.sync();
            List<AuditRecord> inRing = audit.read(new AuditQuery(7, null, null, 10));
            audit.close();
            String mode = where == null ? "memory only" : "with a log";
            assertEquals(small, inRing.get(0).args(), mode);
            assertEquals(small, inRing.get(0).result(), mode);
            org.junit.jupiter.api.Assertions.assertTrue(inRing.get(1).args().has("elided"), mode + ": " + inRing.get(1).args());
            if (where != null) {
                String line = Files.readAllLines(Files.list(where).findFirst().orElseThrow()).get(1);
                assertEquals(big, json.readValue(line, AuditRecord.class).args(), "the log keeps it whole");
            }
        }
    }

    /** Appends {@code n} ok calls of pid 7, {@code perBatch} to a group commit (so that small segments rotate). */
    private static void appendCalls(AuditWriter audit, int n, int perBatch) {
        for (int i = 0; i < n; i++) {
            audit.append(1000L + i, AuditRecord.SYSCALL, 7, "t", "proc.yield", "ok", 0, "call " + i, null, null);
            if ((i + 1) % perBatch == 0) audit.sync();
        }
        audit.sync();
    }

    /**
     * One owner calling in a tight loop must not push every other tenant's records out: beyond its
     * rate its records are counted and summarised, another owner's are all kept, and lifecycle
     * records are never held back.
     */
    @Test
    void anOwnerOverItsRateIsSummarisedAndOthersAreKeptWhole() throws Exception {
        // a clock that moves a nanosecond per reading (the writer orders by it) and jumps when told
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        AuditWriter audit = new AuditWriter(dir, false, 64L << 20, 4, 0, new ObjectMapper(), () -> now.incrementAndGet(), () -> 1_000L);
        audit.setOwnerRecordsPerSecond(100); // bursts of 500
        for (int i = 0; i < 10_000; i++) {
            audit.append(1000L, AuditRecord.SYSCALL, 7, "flood", "proc.yield", "ok", 0, "call " + i, null, null);
            if (i % 50 == 0) audit.append(1000L, AuditRecord.SYSCALL, 8, "calm", "fs.read", "ok", 0, "read " + i, null, null);
        }
        audit.append(1000L, AuditRecord.SYSCALL, 7, "flood", "fs.write", "EPERM", 0, "denied", null, null);
        audit.append(1000L, AuditRecord.LIFECYCLE, 7, "flood", "exit", "ok", 0, "code 0", null, null);
        now.addAndGet(1_000_000_000L); // a second later: one second's worth again
        audit.append(1000L, AuditRecord.SYSCALL, 7, "flood", "proc.yield", "ok", 0, "after", null, null);
        audit.sync();
        List<AuditRecord> flood = audit.read(new AuditQuery(7, null, null, 100_000));
        List<AuditRecord> calm = audit.read(new AuditQuery(8, null, null, 100_000));
        List<AuditRecord> summaries = audit.read(new AuditQuery(0, AuditWriter.SUPPRESSED, null, 10));
        audit.close();
        assertEquals(200, calm.size(), "every record of the calm owner");
        long kept = flood.stream().filter(r -> r.name().equals("proc.yield")).count();
        assertEquals(501, kept, "the burst, then the record a second later");
        assertTrue(flood.stream().anyMatch(r -> r.kind().equals(AuditRecord.LIFECYCLE)), "lifecycle is never held back");
        assertEquals(1, summaries.size(), summaries.toString());
        AuditRecord s = summaries.get(0);
        assertEquals("flood", s.owner());
        assertTrue(s.detail().startsWith("9501 syscall records of owner flood over its rate"), s.detail());
        assertTrue(s.detail().contains("proc.yield x9500") && s.detail().contains("fs.write EPERM x1"), s.detail());
    }

    /**
     * At 10,000 busy agents the size bound keeps minutes of records; a denial must outlive the
     * calls around it: errors, denials and lifecycle records are kept again in a stream of their own.
     */
    @Test
    void aDenialIsStillReadAfterTheCallsAroundItHaveRotatedOut() throws Exception {
        AuditWriter audit = new AuditWriter(dir, false, 4096, 2, 0, new ObjectMapper(), System::nanoTime, System::currentTimeMillis);
        audit.append(999L, AuditRecord.SYSCALL, 7, "t", "fs.write", "EPERM", 0, "fs.write needs capability 'fs:write:/x'", null, null);
        appendCalls(audit, 20_000, 1000); // more than the in-memory ring holds
        List<AuditRecord> denied = audit.read(new AuditQuery(7, null, "EPERM", 10));
        List<AuditRecord> byPid = audit.read(new AuditQuery(7, null, null, 100_000));
        String retention = audit.retention();
        audit.close();
        assertEquals(1, denied.size(), "the EPERM is kept");
        assertTrue(byPid.size() < 20_001, "the size bound dropped the oldest calls: " + byPid.size());
        assertEquals("fs.write", byPid.get(0).name(), "the oldest record read is the denial");
        for (int i = 1; i < byPid.size(); i++) assertTrue(byPid.get(i).seq() > byPid.get(i - 1).seq(), "in order, no record twice");
        assertTrue(retention.contains("errors, denials and lifecycle since"), retention);
    }

    @Test
    void segmentsOlderThanTheRetentionPeriodAreDeleted() throws Exception {
        long[] now = {System.currentTimeMillis()};
        AuditWriter audit = new AuditWriter(dir, false, 4096, 1000, java.util.concurrent.TimeUnit.DAYS.toMillis(1),
                new ObjectMapper(), System::nanoTime, () -> now[0]);
        appendCalls(audit, 500, 20);
        long before = Files.list(dir).count();
        assertTrue(before > 3, "several segments: " + before);
        now[0] += java.util.concurrent.TimeUnit.DAYS.toMillis(2);
        audit.expire();
        audit.close();
        assertEquals(1, Files.list(dir).count(), "only the segment being written is left");
    }

    @Test
    void sequenceNumbersGoOnAfterARestartThatFindsAnEmptyNewestSegment() throws Exception {
        AuditWriter audit = new AuditWriter(dir, false, 64L << 20, 4, 0, new ObjectMapper(), System::nanoTime, System::currentTimeMillis);
        appendCalls(audit, 10, 10);
        audit.close();
        Files.createFile(dir.resolve("audit-00000002.jsonl")); // rotated in, then the crash
        AuditWriter again = new AuditWriter(dir, false, 64L << 20, 4, 0, new ObjectMapper(), System::nanoTime, System::currentTimeMillis);
        appendCalls(again, 1, 1);
        List<AuditRecord> last = again.read(AuditQuery.tail(1));
        again.close();
        assertEquals(11, last.get(0).seq());
    }
}
