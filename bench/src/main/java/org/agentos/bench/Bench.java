package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;

/** Shared pieces of the benchmarks: a HAL on the real clock, programs from lambdas, kernels. */
final class Bench {
    private Bench() {}

    /** The host as the kernel sees it in the benchmarks: the real Linux HAL. */
    static final Hal HAL = new LinuxHal();

    private static final java.util.Map<Kernel, java.nio.file.Path> DIRS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A started kernel with no scheduler bound yet. {@code storage} "memory": nothing persisted;
     * "disk": the production defaults, state in a temporary directory (audit log fsynced at
     * every group commit, changed processes checkpointed every 500 ms).
     */
    static Kernel kernel(int workers, String storage) {
        java.nio.file.Path dir = null;
        if ("disk".equals(storage)) {
            try {
                dir = java.nio.file.Files.createTempDirectory("agentos-bench");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else if (!"memory".equals(storage)) {
            throw new IllegalArgumentException("storage is memory or disk, not " + storage);
        }
        Kernel k = new Kernel(HAL, KernelSettings.defaults(dir).withWorkers(workers));
        k.setMaxProcessesPerOwner(0); // benchmarks run up to a million processes of one owner
        if (dir != null) DIRS.put(k, dir);
        k.start();
        return k;
    }

    /** Stops the kernel and deletes its temporary state directory. */
    static void stop(Kernel k) {
        k.stop();
        java.nio.file.Path dir = DIRS.remove(k);
        if (dir == null) return;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static <S> Program<S> program(String name, Class<S> type, Function<JsonNode, S> init,
                                  BiFunction<S, SyscallResult, Step<S>> step) {
        return new Program<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<S> stateType() {
                return type;
            }

            @Override
            public S init(JsonNode args) {
                return init.apply(args);
            }

            @Override
            public Step<S> step(S state, SyscallResult last) {
                return step.apply(state, last);
            }
        };
    }

    /** Waits (parking 1 ms at a time) until the condition holds; fails after {@code seconds}. */
    static void await(String what, long seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
