package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.hal.Hal;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;

/** A kernel on the Linux HAL with a round-robin scheduler, for tests. */
final class KernelHarness implements AutoCloseable {
    static final Hal HAL = new LinuxHal();

    final Kernel kernel;

    KernelHarness(KernelSettings settings) {
        this(HAL, settings);
    }

    KernelHarness(Hal hal, KernelSettings settings) {
        this(hal, settings, k -> { });
    }

    /** {@code beforeStart}: what the component's live settings would set before the kernel restores its processes. */
    KernelHarness(Hal hal, KernelSettings settings, java.util.function.Consumer<Kernel> beforeStart) {
        kernel = new Kernel(hal, settings);
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        beforeStart.accept(kernel);
        kernel.start();
    }

    static KernelHarness inMemory() {
        return new KernelHarness(KernelSettings.defaults(null).withWorkers(2));
    }

    /**
     * An in-memory kernel whose monotonic clock runs {@code slowdown} times slower than real time,
     * for tests of time slices that a cold JVM or a GC pause must not end early.
     */
    static KernelHarness withSlowClock(long slowdown) {
        Hal slow = new Hal() {
            @Override
            public String name() {
                return "slow-clock";
            }

            @Override
            public int cpuCount() {
                return HAL.cpuCount();
            }

            @Override
            public long threadCpuTimeNanos() {
                return HAL.threadCpuTimeNanos();
            }

            @Override
            public long nanoTime() {
                return HAL.nanoTime() / slowdown;
            }

            @Override
            public long currentTimeMillis() {
                return HAL.currentTimeMillis();
            }
        };
        return new KernelHarness(slow, KernelSettings.defaults(null).withWorkers(2));
    }

    static KernelHarness persistent(Path dir) {
        return new KernelHarness(KernelSettings.defaults(dir).withWorkers(2));
    }

    /** A persistent kernel of a cluster node: what it restores at its start is held until the cluster says. */
    static KernelHarness persistentHeld(Path dir) {
        return new KernelHarness(HAL, KernelSettings.defaults(dir).withWorkers(2), k -> k.checkpoints.holdAtRestore(true));
    }

    ProcessInfo info(long pid) {
        return kernel.info(pid).orElseThrow(() -> new AssertionError("no process " + pid));
    }

    ProcessState state(long pid) {
        return info(pid).state();
    }

    /** Waits (at most 10 s) for the condition. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for: " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    void awaitState(long pid, ProcessState s) {
        await("pid " + pid + " to be " + s, () -> kernel.info(pid).map(i -> i.state() == s).orElse(false));
    }

    @Override
    public void close() {
        kernel.stop();
    }

    /** A tool whose call is {@code body}: the tests' bundle tools. */
    static Tool tool(ToolDescriptor d, ToolBody body) {
        return new Tool() {
            public ToolDescriptor descriptor() { return d; }
            public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException { return body.call(ctx, args); }
        };
    }

    interface ToolBody {
        JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException;
    }
}
