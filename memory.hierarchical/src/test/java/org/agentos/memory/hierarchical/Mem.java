package org.agentos.memory.hierarchical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;

/** Test helpers: callers, values, waiting on stages. */
final class Mem {
    private Mem() {}

    static MemCaller proc(long pid, String owner, String... caps) {
        Set<String> held = Set.of(caps);
        return MemCaller.process(pid, owner, held::contains);
    }

    static MemWrite text(String s) {
        return MemWrite.json(JsonNodeFactory.instance.objectNode().put("text", s));
    }

    static JsonNode node(String s) {
        return JsonNodeFactory.instance.objectNode().put("text", s);
    }

    static <T> T done(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // poll the condition, bounded above
        }
    }

    static MemoryStore memoryOnly() throws java.io.IOException {
        return new MemoryStore(MemorySettings.defaults(null));
    }
}
