package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.proc.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kernel events in mailboxes (ipc.subscribe), user signals (proc.signal) and child-exit notices. */
class EventsAndSignalsTest {
    private KernelHarness h;
    private Kernel k;

    /** Makes the calls in its args' "calls" array one after another; exits with the last result. */
    record Script(JsonNode calls, int next) {}

    /** Sleeps for a minute and counts the signals its onSignal handled. */
    record Catcher(int phase, String got) {}

    @BeforeEach
    void start() {
        h = KernelHarness.inMemory();
        k = h.kernel;
        // What EventAdmin and the kernel component's handler do in Karaf: kernel events reach subscribers.
        k.setEventSink((topic, props) -> k.ipc.events.publish(topic, props));
        k.addProgram(TestPrograms.sleeper(), "test");
        k.addProgram(TestPrograms.program("script", Script.class, a -> new Script(a.get("calls"), 0), (s, last) -> {
            if (s.next() >= s.calls().size()) return Step.exit(s, last != null && last.isOk() ? 0 : 1, String.valueOf(last));
            JsonNode c = s.calls().get(s.next());
            return Step.call(new Script(s.calls(), s.next() + 1), c.get("syscall").asText(), c.path("args"));
        }), "test");
        k.addProgram(new Program<Catcher>() {
            public String name() { return "catcher"; }
            public Class<Catcher> stateType() { return Catcher.class; }
            public Catcher init(JsonNode args) { return new Catcher(0, null); }
            public Step<Catcher> step(Catcher s, SyscallResult last) {
                if (s.phase() == 0) return Step.call(new Catcher(1, null), "proc.sleep", Args.of("ms", 60_000));
                return Step.exit(s, 0, "got " + s.got() + " after " + last);
            }
            public Catcher onSignal(Catcher s, String signal, JsonNode payload) {
                return signal.equals("usr1") ? new Catcher(s.phase(), signal + " " + payload) : null;
            }
        }, "test");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static JsonNode calls(JsonNode... calls) {
        var arr = Args.none().arrayNode();
        for (JsonNode c : calls) arr.add(c);
        return arr;
    }

    private static JsonNode call(String syscall, JsonNode args) {
        return Args.of("syscall", syscall, "args", args);
    }

    private long spawn(String program, JsonNode args, String... caps) throws SyscallException {
        return k.spawn(new SpawnSpec(program, args, "alice", 0, List.of(caps), null));
    }

    private ExitStatus exit(long pid) throws Exception {
        return k.awaitExit(pid).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSubscriberGetsKernelEventsInItsMailbox() throws Exception {
        long watcher = spawn("script", Args.of("calls", calls(
                call("ipc.subscribe", Args.of("topic", "org/agentos/process/EXITED")),
                call("ipc.recv", Args.of("timeoutMs", 5000)))), "ipc:subscribe:org/agentos/process/*");
        KernelHarness.await("the subscription", () -> k.ipc.stats("@" + watcher).isPresent());
        h.awaitState(watcher, ProcessState.BLOCKED);
        long shortLived = spawn("sleeper", Args.of("ms", 1));
        ExitStatus s = exit(watcher);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("\"topic\":\"org/agentos/process/EXITED\"") && s.reason().contains("\"pid\":" + shortLived),
                s.reason());
    }

    @Test
    void anAgentHearsOnlyOfProcessesAndFilesItMaySeeAndNeverWhoPostedTheEvent() throws Exception {
        long files = spawn("script", Args.of("calls", calls(
                call("ipc.subscribe", Args.of("topic", "org/agentos/fs/*")),
                call("ipc.recv", Args.of("timeoutMs", 10_000)))), "ipc:subscribe:**", "fs:read:/home/alice/**");
        // EXITED only: a process may run before the kernel has posted its own SPAWNED
        long procs = spawn("script", Args.of("calls", calls(
                call("ipc.subscribe", Args.of("topic", "org/agentos/process/EXITED")),
                call("ipc.recv", Args.of("timeoutMs", 10_000)))), "ipc:subscribe:**");
        for (long w : new long[] {files, procs}) {
            KernelHarness.await("the subscription", () -> k.ipc.stats("@" + w).isPresent());
            h.awaitState(w, ProcessState.BLOCKED);
        }
        // another owner's process starts and ends; another owner's private file changes
        long bobs = k.spawn(new SpawnSpec("sleeper", Args.of("ms", 1), "bob", 0, List.of(), null));
        exit(bobs);
        javax.security.auth.Subject operator = new javax.security.auth.Subject();
        k.ipc.events.publish("org/agentos/fs/CHANGED", java.util.Map.of("path", "/home/bob/diary", "version", 3, "owner", "bob",
                "pid", bobs, "subject", operator));
        assertEquals(ProcessState.BLOCKED, h.state(files), "nothing about bob's file reached alice");
        assertEquals(ProcessState.BLOCKED, h.state(procs), "nothing about bob's process reached alice");
        // a file alice may read: the event arrives, without the poster's subject
        k.ipc.events.publish("org/agentos/fs/CHANGED", java.util.Map.of("path", "/home/alice/notes", "version", 1, "owner", "alice",
                "pid", files, "subject", operator));
        ExitStatus s = exit(files);
        assertEquals(0, s.code(), s.reason());
        assertTrue(s.reason().contains("/home/alice/notes"), s.reason());
        assertFalse(s.reason().contains("subject"), s.reason());
        // the first process event alice's watcher hears is of her own process, not bob's earlier ones
        ExitStatus heard = exit(procs);
        assertTrue(heard.reason().contains("\"pid\":" + files) && !heard.reason().contains("bob"), heard.reason());
        // with proc:info:any an agent hears of every process
        Proc admin = k.procs.get(spawn("sleeper", Args.of("ms", 60_000), "proc:info:any"));
        assertTrue(k.ipc.events.mayReceive(admin, Kernel.TOPIC_EXITED, java.util.Map.of("pid", bobs, "owner", "bob")));
        assertFalse(k.ipc.events.mayReceive(k.procs.get(spawn("sleeper", Args.of("ms", 60_000))), Kernel.TOPIC_EXITED,
                java.util.Map.of("pid", bobs, "owner", "bob")));
    }

    @Test
    void subscribingNeedsTheCapabilityAndAWellFormedFilter() throws Exception {
        long denied = spawn("script", Args.of("calls", calls(call("ipc.subscribe", Args.of("topic", "org/agentos/*")))));
        assertTrue(exit(denied).reason().startsWith("EPERM"));
        long bad = spawn("script", Args.of("calls", calls(call("ipc.subscribe", Args.of("topic", "org//x*")))), "ipc:subscribe:**");
        assertTrue(exit(bad).reason().startsWith("EINVAL"));
    }

    @Test
    void aUserSignalInterruptsASleepAndIsHandledBeforeTheNextStep() throws Exception {
        long pid = spawn("catcher", Args.none());
        h.awaitState(pid, ProcessState.BLOCKED);
        long sender = spawn("sleeper", Args.none(), "proc:kill", "proc:kill:any");
        SyscallResult r = k.call(sender, "proc.signal", Args.of("pid", pid, "signal", "usr1", "payload", "reload"));
        assertTrue(r.isOk(), r.toString());
        ExitStatus s = exit(pid); // not after the minute of sleep
        assertTrue(s.reason().startsWith("got usr1 \"reload\" after EINTR"), s.reason());
    }

    @Test
    void aSignalTheProgramDoesNotHandleArrivesInItsMailbox() throws Exception {
        long pid = spawn("script", Args.of("calls", calls(call("proc.sleep", Args.of("ms", 60_000)),
                call("ipc.recv", Args.of("timeoutMs", 5000)))));
        h.awaitState(pid, ProcessState.BLOCKED);
        long sender = spawn("sleeper", Args.none(), "proc:kill", "proc:kill:any");
        assertTrue(k.call(sender, "proc.signal", Args.of("pid", pid, "signal", "usr2")).isOk());
        ExitStatus s = exit(pid);
        assertTrue(s.reason().contains("\"event\":\"signal\"") && s.reason().contains("\"signal\":\"usr2\"")
                && s.reason().contains("\"from\":" + sender), s.reason());
    }

    @Test
    void signallingAProcessThatIsNotADescendantNeedsProcKillAny() throws Exception {
        long target = spawn("sleeper", Args.none());
        long stranger = spawn("sleeper", Args.none(), "proc:kill");
        SyscallResult r = k.call(stranger, "proc.signal", Args.of("pid", target, "signal", "usr1"));
        assertEquals(Errno.EPERM, r.errno());
        assertEquals(Errno.EINVAL, k.call(stranger, "proc.signal", Args.of("pid", target, "signal", "segv")).errno());
    }

    @Test
    void aParentWithAMailboxHearsWhenItsChildExits() throws Exception {
        long parent = spawn("script", Args.of("calls", calls(
                call("ipc.recv", Args.of("timeoutMs", 0)), // opens the mailbox (EAGAIN: empty)
                call("proc.spawn", Args.of("program", "sleeper", "args", Args.of("ms", 1))),
                call("ipc.recv", Args.of("timeoutMs", 5000)))), "proc:spawn");
        ExitStatus s = exit(parent);
        assertTrue(s.reason().contains("\"event\":\"child-exit\"") && s.reason().contains("\"code\":0"), s.reason());
    }
}
