package org.agentos.kernel.impl.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

/** A console command running a program's code (agent:replay, agent:fork --at) gives up on a step that never returns. */
class BoundedTest {
    @Test
    void aStepThatNeverReturnsEndsTheCommandWithETIMEDOUT() {
        long t0 = System.nanoTime();
        org.agentos.kernel.api.console.CommandException e = assertThrows(org.agentos.kernel.api.console.CommandException.class, () -> Bounded.call("the replay", 1, () -> {
            long spin = 0;
            long until = System.nanoTime() + 3_000_000_000L; // ignores interrupts, as a buggy step would (for 3 s)
            while (System.nanoTime() < until) spin++;
            return spin;
        }));
        assertTrue(e.getMessage().startsWith("ETIMEDOUT: the replay did not finish within 1 s"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the console got its answer");
    }

    @Test
    void anAnswerOrAnErrnoComesThrough() throws Exception {
        assertEquals(42, Bounded.call("x", 5, () -> 42));
        org.agentos.kernel.api.console.CommandException e = assertThrows(org.agentos.kernel.api.console.CommandException.class,
                () -> Bounded.call("x", 5, () -> {
                    throw new SyscallException(Errno.ENOENT, "no program 'v2' is installed");
                }));
        assertEquals("ENOENT: no program 'v2' is installed", e.getMessage());
    }
}
