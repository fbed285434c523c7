package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One tenant cannot fill the process table: maxProcessesPerOwner bounds each owner's live processes. */
class OwnerLimitsTest {
    @TempDir
    Path dir;

    private static long spawn(Kernel k, String owner, String program, long ms) throws SyscallException {
        return k.spawn(new SpawnSpec(program, Args.of("ms", ms), owner, 0, List.of("proc:*"), null));
    }

    @Test
    void anOwnerAtItsLimitGetsEagainOthersDoNotAndAnExitMakesRoom() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.sleeper(), "test");
            k.setMaxProcessesPerOwner(3);
            long first = spawn(k, "alice", "sleeper", 60_000);
            spawn(k, "alice", "sleeper", 60_000);
            spawn(k, "alice", "sleeper", 60_000);
            SyscallException e = assertThrows(SyscallException.class, () -> spawn(k, "alice", "sleeper", 60_000));
            assertEquals(Errno.EAGAIN, e.errno());
            assertTrue(e.getMessage().contains("owner alice has 3 live processes"), e.getMessage());
            assertEquals(3, k.procs.liveProcesses("alice"), "the refused spawn is not counted");
            spawn(k, "bob", "sleeper", 60_000); // another owner is not held back
            k.kill(first);
            k.awaitExit(first).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(2, k.procs.liveProcesses("alice"));
            spawn(k, "alice", "sleeper", 60_000);
            k.setMaxProcessesPerOwner(0); // no limit
            for (int i = 0; i < 10; i++) spawn(k, "alice", "sleeper", 60_000);
            assertEquals(13, k.procs.liveProcesses("alice"));
        }
    }

    @Test
    void aChildCountsAgainstItsOwnerSoAForkBombStopsAtTheLimit() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.sleeper(), "test");
            k.addProgram(TestPrograms.oneCall(), "test");
            k.setMaxProcessesPerOwner(2);
            spawn(k, "mallory", "sleeper", 60_000);
            long parent = k.spawn(new SpawnSpec("onecall", Args.of("syscall", "proc.spawn", "args",
                    Args.of("program", "sleeper", "args", Args.of("ms", 60_000))), "mallory", 0, List.of("proc:*"), null));
            var s = k.awaitExit(parent).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(s.reason().startsWith("EAGAIN"), s.reason());
        }
    }

    /** Makes the calls in its args' "calls" array one after another; exits with the last result. */
    record Script(com.fasterxml.jackson.databind.JsonNode calls, int next) {}

    @Test
    void aChildsWallTimeEndsNoLaterThanItsParents() throws Exception {
        try (KernelHarness h = KernelHarness.inMemory()) {
            Kernel k = h.kernel;
            k.addProgram(TestPrograms.sleeper(), "test");
            k.addProgram(TestPrograms.program("script", Script.class, a -> new Script(a.get("calls"), 0), (st, last) -> {
                if (st.next() >= st.calls().size()) return org.agentos.kernel.api.program.Step.exit(st, 0, String.valueOf(last));
                var c = st.calls().get(st.next());
                return org.agentos.kernel.api.program.Step.call(new Script(st.calls(), st.next() + 1), c.get("syscall").asText(),
                        c.path("args"));
            }), "test");
            var calls = Args.none().arrayNode()
                    .add(Args.of("syscall", "proc.sleep", "args", Args.of("ms", 100)))
                    .add(Args.of("syscall", "proc.spawn", "args", Args.of("program", "sleeper", "args", Args.of("ms", 600_000))));
            long parent = k.spawn(new SpawnSpec("script", Args.of("calls", calls), "alice", 0, List.of("proc:*"),
                    org.agentos.kernel.api.process.Quotas.NONE.withWallMillis(10_000)));
            var s = k.awaitExit(parent).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(0, s.code(), s.reason());
            long child = k.json.readTree(s.reason()).path("pid").asLong();
            long wall = k.info(child).orElseThrow().quotas().wallMillis();
            // the kernel's clock ticks every millisecond, so the parent's 100 ms may read as 99
            assertTrue(wall <= 9_905, "the child ends with its parent's deadline (started 100 ms later): " + wall);
            assertTrue(wall > 0);
        }
    }

    @Test
    void restoredProcessesCountAgainstTheirOwnersAfterARestart() throws Exception {
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addProgram(TestPrograms.sleeper(), "test");
            for (int i = 0; i < 3; i++) spawn(h.kernel, "alice", "sleeper", 600_000);
        }
        try (KernelHarness h = KernelHarness.persistent(dir)) {
            h.kernel.addProgram(TestPrograms.sleeper(), "test");
            assertEquals(3, h.kernel.procs.liveProcesses("alice"));
            h.kernel.setMaxProcessesPerOwner(3);
            assertEquals(Errno.EAGAIN, assertThrows(SyscallException.class, () -> spawn(h.kernel, "alice", "sleeper", 1)).errno());
        }
    }
}
