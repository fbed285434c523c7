package org.agentos.hal.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agentos.kernel.api.hal.MemoryStatus;
import org.junit.jupiter.api.Test;

class JvmHalTest {
    private final JvmHal hal = new JvmHal();

    @Test
    void namesItselfJvm() {
        assertEquals("jvm", hal.name());
    }

    @Test
    void reportsTheCpusTheJvmMayUse() {
        assertEquals(Runtime.getRuntime().availableProcessors(), hal.cpuCount());
    }

    @Test
    void threadCpuTimeGrowsWithWork() {
        long before = hal.threadCpuTimeNanos();
        long x = 0;
        long deadline = hal.nanoTime() + 20_000_000;
        while (hal.nanoTime() < deadline) x += Long.numberOfTrailingZeros(x + 1);
        assertTrue(hal.threadCpuTimeNanos() > before, "cpu time did not grow (" + x + ")");
    }

    @Test
    void clocksMove() {
        long t = hal.nanoTime();
        assertTrue(hal.nanoTime() >= t);
        assertTrue(Math.abs(hal.currentTimeMillis() - System.currentTimeMillis()) < 1000);
    }

    @Test
    void memoryIsTheHeapOnly() {
        MemoryStatus m = hal.memory();
        assertTrue(m.heapMax() > 0);
        assertEquals(-1, m.hostTotal());
    }

    @Test
    void sandboxSaysItHasNoResourceLimits() {
        assertTrue(hal.sandbox().protections().stream().anyMatch(p -> p.name().equals("rlimits") && !p.enforced()));
    }
}
