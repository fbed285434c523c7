package org.agentos.apps.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.Test;

class RepeatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Repeat repeat = new Repeat();

    @Test
    void everyCallSucceedingEndsWithStatusZeroAndTheCount() throws Exception {
        Repeat.State s = repeat.init(args("{\"syscall\":\"text.stats\",\"args\":{\"text\":\"a b\"},\"count\":3}"));
        Step<Repeat.State> step = repeat.step(s, null);
        for (int i = 0; i < 3; i++) {
            Step.Call<Repeat.State> call = assertInstanceOf(Step.Call.class, step);
            assertEquals("text.stats", call.syscall());
            assertEquals("a b", call.args().path("text").asText());
            step = repeat.step(call.state(), SyscallResult.ok(JSON.createObjectNode().put("words", 2)));
        }
        Step.Exit<Repeat.State> exit = assertInstanceOf(Step.Exit.class, step);
        assertEquals(0, exit.code());
        assertEquals("3 calls of text.stats: 3 ok", exit.reason());
    }

    @Test
    void errorsAreCountedByErrnoWithTheFirstMessageOfEach() throws Exception {
        Step<Repeat.State> step = repeat.step(repeat.init(args("{\"syscall\":\"csv.query\",\"count\":4}")), null);
        SyscallResult[] results = {
                SyscallResult.error(Errno.EINVAL, "no column 'x'"), SyscallResult.ok(JSON.nullNode()),
                SyscallResult.error(Errno.EINVAL, "no column 'y'"), SyscallResult.error(Errno.EQUOTA, "syscall quota of 3 used")};
        for (SyscallResult r : results) step = repeat.step(((Step.Call<Repeat.State>) step).state(), r);
        Step.Exit<Repeat.State> exit = assertInstanceOf(Step.Exit.class, step);
        assertEquals(1, exit.code());
        assertEquals("4 calls of csv.query: 1 ok, 3 failed: EINVAL x2 (first: no column 'x'); EQUOTA x1 (first: syscall quota of 3 used)",
                exit.reason());
    }

    @Test
    void sleepMsPausesBetweenCallsButNotBeforeTheFirst() throws Exception {
        Step<Repeat.State> step = repeat.step(repeat.init(args("{\"syscall\":\"tool.list\",\"count\":2,\"sleepMs\":50}")), null);
        Step.Call<Repeat.State> first = assertInstanceOf(Step.Call.class, step);
        assertEquals("tool.list", first.syscall());
        Step.Call<Repeat.State> pause = assertInstanceOf(Step.Call.class, repeat.step(first.state(), SyscallResult.ok(JSON.nullNode())));
        assertEquals("proc.sleep", pause.syscall());
        assertEquals(50, pause.args().path("ms").asLong());
        Step.Call<Repeat.State> second = assertInstanceOf(Step.Call.class, repeat.step(pause.state(), SyscallResult.OK));
        assertEquals("tool.list", second.syscall());
        Step.Exit<Repeat.State> exit = assertInstanceOf(Step.Exit.class, repeat.step(second.state(), SyscallResult.ok(JSON.nullNode())));
        assertEquals("2 calls of tool.list: 2 ok", exit.reason());
    }

    @Test
    void itsStateSurvivesACheckpointMidway() throws Exception {
        Step<Repeat.State> step = repeat.step(repeat.init(args("{\"syscall\":\"text.stats\",\"count\":2}")), null);
        step = repeat.step(((Step.Call<Repeat.State>) step).state(), SyscallResult.error(Errno.ENOSYS, "no syscall 'text.stats'"));
        Repeat.State restored = JSON.readValue(JSON.writeValueAsString(((Step.Call<Repeat.State>) step).state()), Repeat.State.class);
        Step.Exit<Repeat.State> exit = assertInstanceOf(Step.Exit.class, repeat.step(restored, SyscallResult.ok(JSON.nullNode())));
        assertEquals("2 calls of text.stats: 1 ok, 1 failed: ENOSYS x1 (first: no syscall 'text.stats')", exit.reason());
    }

    @Test
    void aCallWithoutAResultAfterARestartCountsAsInterrupted() throws Exception {
        Step<Repeat.State> step = repeat.step(repeat.init(args("{\"syscall\":\"text.stats\"}")), null);
        Step.Exit<Repeat.State> exit = assertInstanceOf(Step.Exit.class, repeat.step(((Step.Call<Repeat.State>) step).state(), null));
        assertEquals(1, exit.code());
        assertEquals("1 call of text.stats: 0 ok, 1 failed: EINTR x1 (first: the call was interrupted by a restart)", exit.reason());
    }

    @Test
    void withoutASyscallItDoesNotStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> repeat.init(args("{\"count\":3}")));
        assertEquals(true, e.getMessage().startsWith("syscall is required"));
        assertThrows(IllegalArgumentException.class, () -> repeat.init(args("{\"syscall\":\"x\",\"count\":-1}")));
    }

    private static JsonNode args(String json) throws Exception {
        return JSON.readTree(json);
    }
}
