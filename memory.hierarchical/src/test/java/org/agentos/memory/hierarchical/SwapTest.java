package org.agentos.memory.hierarchical;

import static org.agentos.memory.hierarchical.Mem.done;
import static org.agentos.memory.hierarchical.Mem.proc;
import static org.agentos.memory.hierarchical.Mem.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryState;
import org.agentos.kernel.api.memory.SharedSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live swap: export from one manager, import into another, nothing lost. */
class SwapTest {
    private static final MemCaller OP = MemCaller.operator("alice");

    @TempDir
    Path dir;

    private static MemoryState sample(MemoryStore m) throws Exception {
        MemCaller p1 = proc(1, "alice");
        MemCaller p2 = proc(2, "bob", "mem:write:shared/team");
        m.setTokenBudget(1, 20);
        done(m.put(MemCaller.kernel(), "system", "boot", text("ok")));
        for (int i = 0; i < 5; i++) done(m.put(p1, "user/1", "w" + i, text("working " + i).working(10, null)));
        for (int i = 0; i < 300; i++) done(m.put(p1, "user/1", "k" + i, text("v" + i)));
        done(m.put(p1, "user/1", "blob", MemWrite.blob(new byte[] {4, 5, 6})));
        m.share(OP, "team", new SharedSpec(false, 5000, Set.of("bob")));
        done(m.put(OP, "shared/team", "doc", text("shared")));
        m.tryLock(p2, "shared/team", "L");
        m.trySemAcquire(p2, "shared/team", "S", 2, 5);
        return m.exportState();
    }

    @Test
    void aRoundTripBetweenTwoManagersLosesNoEntry() throws Exception {
        MemoryState out;
        try (MemoryStore a = Mem.memoryOnly()) {
            out = sample(a);
        }
        assertEquals(3, out.spaces().stream().filter(s -> s.name().equals("user/1")).findFirst().orElseThrow()
                .entries().stream().filter(e -> !e.info().resident()).count(), "three working entries were paged out");
        try (MemoryStore b = Mem.memoryOnly()) {
            b.importState(out);
            MemCaller p1 = proc(1, "alice");
            for (int i = 0; i < 300; i++) assertEquals("v" + i, b.get(p1, "user/1", "k" + i).json().get("text").asText());
            for (int i = 0; i < 5; i++) assertEquals("working " + i, b.get(p1, "user/1", "w" + i).json().get("text").asText());
            assertArrayEquals(new byte[] {4, 5, 6}, b.get(p1, "user/1", "blob").blob());
            assertEquals("ok", b.get(p1, "system", "boot").json().get("text").asText());
            assertEquals("shared", b.get(OP, "shared/team", "doc").json().get("text").asText());
            assertEquals(5000, b.space("shared/team").orElseThrow().quotaBytes());
            assertEquals(20, b.space("user/1").orElseThrow().tokenBudget());
            MemCaller p2 = proc(2, "bob", "mem:write:shared/team");
            assertFalse(b.tryLock(OP, "shared/team", "L"), "pid 2 still holds the lock");
            assertFalse(b.trySemAcquire(OP, "shared/team", "S", 4, 0), "pid 2 still holds two permits");
            assertEquals(List.of("shared/team#L", "shared/team#S"), b.processExited(2));
            assertTrue(b.trySemAcquire(p2, "shared/team", "S", 5, 0));
        }
    }

    @Test
    void anExportOfTheImportIsTheSameState() throws Exception {
        MemoryState out;
        try (MemoryStore a = Mem.memoryOnly()) {
            out = sample(a);
        }
        try (MemoryStore b = Mem.memoryOnly()) {
            b.importState(out);
            MemoryState again = b.exportState();
            assertEquals(summary(out), summary(again));
        }
    }

    private static Map<String, List<String>> summary(MemoryState s) {
        java.util.TreeMap<String, List<String>> m = new java.util.TreeMap<>();
        for (MemoryState.Space sp : s.spaces()) {
            List<String> lines = new java.util.ArrayList<>();
            lines.add(sp.owner() + " " + sp.persistent() + " " + sp.quotaBytes() + " " + sp.tokenBudget() + " " + sp.locks());
            for (MemoryState.Semaphore sem : sp.semaphores()) lines.add(sem.name() + " " + sem.available() + " " + sem.held());
            for (MemEntry e : sp.entries()) {
                lines.add(e.info().key() + " v" + e.info().version() + " " + e.info().bytes() + " " + e.info().resident() + " "
                        + (e.json() != null ? e.json().toString() : java.util.Arrays.toString(e.blob())));
            }
            m.put(sp.name(), lines);
        }
        return m;
    }

    @Test
    void importReplacesWhatTheManagerHeld() throws Exception {
        try (MemoryStore b = Mem.memoryOnly()) {
            done(b.put(proc(9, "zed"), "user/9", "old", text("x")));
            b.importState(new MemoryState(MemoryState.VERSION, List.of()));
            assertTrue(b.space("user/9").isEmpty());
            assertTrue(b.space("system").isPresent(), "system is always there");
        }
    }

    @Test
    void anUnknownStateVersionIsRefused() throws Exception {
        try (MemoryStore b = Mem.memoryOnly()) {
            done(b.put(proc(9, "zed"), "user/9", "old", text("x")));
            assertThrows(IllegalArgumentException.class, () -> b.importState(new MemoryState(99, List.of())));
            assertTrue(b.space("user/9").isPresent(), "a refused import changes nothing");
        }
    }

    @Test
    void importedPersistentSpacesAreOnDisk() throws Exception {
        MemoryState out;
        try (MemoryStore a = Mem.memoryOnly()) {
            out = sample(a);
        }
        MemoryState.Space team = out.spaces().stream().filter(s -> s.name().equals("shared/team")).findFirst().orElseThrow();
        List<MemoryState.Space> spaces = new java.util.ArrayList<>(out.spaces());
        spaces.replaceAll(s -> s == team ? new MemoryState.Space(s.name(), s.owner(), true, s.quotaBytes(), 0, s.entries(),
                s.locks(), s.semaphores()) : s);
        try (MemoryStore b = new MemoryStore(MemorySettings.defaults(dir))) {
            b.importState(new MemoryState(MemoryState.VERSION, spaces));
        }
        try (MemoryStore b = new MemoryStore(MemorySettings.defaults(dir))) {
            assertEquals("shared", b.get(OP, "shared/team", "doc").json().get("text").asText());
            assertTrue(b.space("user/1").isEmpty(), "user/1 was memory-only in the state");
        }
    }
}
