package org.agentos.kernel.impl.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable process table's log: last record wins, torn tails, compaction at opening. */
class ProcStoreTest {
    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    private static String record(long pid, String program, long steps) {
        return "{\"v\":1,\"pid\":" + pid + ",\"ppid\":1,\"owner\":\"alice\",\"program\":\"" + program
                + "\",\"state\":\"READY\",\"nice\":0,\"steps\":" + steps + "}\n";
    }

    private Path log() {
        return dir.resolve("processes.jsonl");
    }

    @Test
    void theLastRecordOfEachPidWinsAndTombstonesRemove() throws Exception {
        StringBuilder s = new StringBuilder();
        for (int round = 1; round <= 200; round++) {
            for (long pid = 2; pid <= 101; pid++) s.append(record(pid, "counter", round));
        }
        s.append("{\"v\":1,\"pid\":5,\"reaped\":true}\n");
        // a line in another shape is still read, in full
        s.append("{\"pid\":7,\"v\":1,\"ppid\":1,\"owner\":\"alice\",\"program\":\"other\",\"state\":\"READY\",\"steps\":99}\n");
        Files.writeString(log(), s, StandardCharsets.UTF_8);
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            Map<Long, ProcRecord> live = store.load();
            assertEquals(99, live.size(), "pid 5 was reaped");
            assertEquals(200, live.get(2L).steps());
            assertEquals("other", live.get(7L).program());
            assertEquals(99, live.get(7L).steps());
        }
        assertTrue(Files.size(log()) < s.length() / 10, "a log of mostly old records is compacted when opened");
    }

    @Test
    void aTornLastLineKeepsThePidsLastGoodRecordAndIsCutOff() throws Exception {
        String good = record(2, "counter", 7) + record(3, "counter", 1);
        Files.writeString(log(), good + "{\"v\":1,\"pid\":2,\"ppid\":1,\"owner\":\"al", StandardCharsets.UTF_8);
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            Map<Long, ProcRecord> live = store.load();
            assertEquals(7, live.get(2L).steps(), "the cut record does not replace the last whole one");
            store.append(List.of(live.get(3L)));
        }
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            Map<Long, ProcRecord> live = store.load();
            assertEquals(2, live.size(), "a record appended after the cut is read: " + Files.readString(log()));
            assertEquals(7, live.get(2L).steps());
        }
    }

    @Test
    void aBatchOfManyChunksIsWrittenWhole() throws Exception {
        Files.writeString(log(), record(2, "counter", 1), StandardCharsets.UTF_8);
        java.util.List<ProcRecord> batch = new java.util.ArrayList<>();
        for (long pid = 2; pid < 20_002; pid++) batch.add(json.readValue(record(pid, "counter-" + pid, pid), ProcRecord.class));
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            store.load();
            store.append(batch); // ~2 MB: written in chunks of 256 KiB
            store.append(List.of(json.readValue(record(3, "last", 3), ProcRecord.class)));
        }
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            Map<Long, ProcRecord> live = store.load();
            assertEquals(20_000, live.size());
            assertEquals("counter-20001", live.get(20_001L).program());
            assertEquals("last", live.get(3L).program());
        }
    }

    @Test
    void aCompactLogIsOpenedAsItIs() throws Exception {
        String s = record(2, "counter", 1) + record(3, "counter", 1);
        Files.writeString(log(), s, StandardCharsets.UTF_8);
        Object before = Files.getAttribute(log(), "unix:ino");
        try (ProcStore store = new ProcStore(dir, json, 1L << 30)) {
            assertEquals(2, store.load().size());
        }
        assertEquals(before, Files.getAttribute(log(), "unix:ino"), "not rewritten");
        assertEquals(s, Files.readString(log()));
    }
}
