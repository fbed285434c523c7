package org.agentos.agent.dsl.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Installed workflows kept for a restart: what is saved comes back; a damaged file is skipped and named. */
class WorkflowStoreTest {
    @TempDir
    Path dir;

    @Test
    void savedWorkflowsComeBackAndDeletedOnesDoNot() throws Exception {
        WorkflowStore store = new WorkflowStore(dir);
        store.save(new WorkflowStore.Stored("report-1a2b3c4d", "report.java", "public class Report {}", List.of("fs:*:/x/**"),
                Map.of("fs.write", "0.1.0")));
        store.save(new WorkflowStore.Stored("other-00000000", "other.java", "public class Other {}", List.of(), Map.of()));
        store.delete("other-00000000");
        Files.writeString(dir.resolve("broken.json"), "{\"program\":"); // as a disk might leave a foreign file
        List<String> unreadable = new ArrayList<>();
        List<WorkflowStore.Stored> back = new WorkflowStore(dir).load(unreadable);
        assertEquals(List.of(new WorkflowStore.Stored("report-1a2b3c4d", "report.java", "public class Report {}",
                List.of("fs:*:/x/**"), Map.of("fs.write", "0.1.0"))), back);
        assertEquals(1, unreadable.size());
        assertTrue(unreadable.get(0).startsWith("broken.json"), unreadable.toString());
    }

    @Test
    void aProgramNameThatIsNotAFileNameIsNotWritten() throws Exception {
        WorkflowStore store = new WorkflowStore(dir);
        store.save(new WorkflowStore.Stored("../escape", "x.java", "x", List.of(), Map.of()));
        assertEquals(0, Files.list(dir).count());
    }
}
