package org.agentos.memory.heap;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.function.Executable;

/** Test helpers: callers, values, settings, completed stages, refused calls. */
final class Mem {
    private Mem() {}

    static MemCaller proc(long pid, String owner, String... caps) {
        Set<String> held = Set.of(caps);
        return MemCaller.process(pid, owner, held::contains);
    }

    static MemWrite text(String s) {
        return MemWrite.json(JsonNodeFactory.instance.objectNode().put("text", s));
    }

    /** A stage of this manager: complete when returned, so join() never waits. */
    static <T> T done(CompletionStage<T> stage) {
        if (!stage.toCompletableFuture().isDone()) throw new AssertionError("heap memory returned an incomplete stage");
        return stage.toCompletableFuture().join();
    }

    static SyscallException refused(Executable call) {
        return assertThrows(SyscallException.class, call);
    }

    static HeapMemory withQuotas(long process, long owner, Map<String, Long> perOwner) {
        return new HeapMemory(new Settings(process, owner, perOwner, false, 8000));
    }
}
