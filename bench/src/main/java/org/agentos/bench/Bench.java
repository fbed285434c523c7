package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;

/** Shared pieces of the benchmarks: a HAL on the real clock, programs from lambdas, kernels. */
final class Bench {
    private Bench() {}

    /** The host as the kernel sees it in the benchmarks: real clocks, the JVM's CPU count. */
    static final Hal HAL = new Hal() {
        @Override
        public String name() {
            return "bench";
        }

        @Override
        public int cpuCount() {
            return Runtime.getRuntime().availableProcessors();
        }

        @Override
        public long threadCpuTimeNanos() {
            return System.nanoTime();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };

    /** An in-memory kernel (nothing persisted), started, with no scheduler bound yet. */
    static Kernel kernel(int workers) {
        Kernel k = new Kernel(HAL, KernelSettings.defaults(null).withWorkers(workers));
        k.start();
        return k;
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
