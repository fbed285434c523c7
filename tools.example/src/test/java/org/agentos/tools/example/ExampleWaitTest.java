package org.agentos.tools.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

class ExampleWaitTest {
    private final ExampleWait tool = new ExampleWait();

    @Test
    void isARecordedIoCallThatNeedsItsCapability() {
        ToolDescriptor d = tool.descriptor();
        assertEquals(ResourceClass.IO, d.resourceClass());
        assertEquals(Determinism.RECORDED, d.determinism());
        assertEquals(false, d.idempotent());
        assertTrue(d.timeout().toSeconds() > 60, "the timeout exceeds the longest wait it accepts");
        assertEquals(java.util.List.of("tool:example.wait"), d.capabilities());
    }

    @Test
    void returnsHowLongItSlept() throws Exception {
        assertEquals(5, tool.call(Caller.ANY, Args.of("ms", 5)).path("slept").asInt());
    }

    @Test
    void interruptEndsTheWaitWithEintr() throws Exception {
        CompletableFuture<SyscallResult> result = new CompletableFuture<>();
        AtomicBoolean flagKept = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                result.complete(SyscallResult.ok(tool.call(Caller.ANY, Args.of("ms", 60_000))));
            } catch (SyscallException e) {
                flagKept.set(Thread.currentThread().isInterrupted());
                result.complete(SyscallResult.error(e));
            }
        }, "example.wait-test");
        t.start();
        // Interrupting before the sleep starts is fine too: Thread.sleep sees the flag at once.
        t.interrupt();
        assertEquals(Errno.EINTR, result.get(10, TimeUnit.SECONDS).errno());
        assertTrue(flagKept.get(), "the interrupt flag is kept for whoever runs the thread");
        t.join(10_000);
    }
}
