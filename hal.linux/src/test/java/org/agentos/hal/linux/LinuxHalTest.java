package org.agentos.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinuxHalTest {

    private final LinuxHal hal = new LinuxHal();

    @Test
    void reportsAtLeastOneCpu() {
        assertTrue(hal.cpuCount() >= 1);
    }

    @Test
    void threadCpuTimeGrowsWithWork() {
        long before = hal.threadCpuTimeNanos();
        long x = 0;
        long deadline = hal.nanoTime() + 20_000_000;
        while (hal.nanoTime() < deadline) {
            x += Long.numberOfTrailingZeros(x + 1);
        }
        assertTrue(hal.threadCpuTimeNanos() > before, "cpu time did not grow (" + x + ")");
    }

    @Test
    void parsesLoadAverageLine() {
        assertEquals(0.52, LinuxHal.parseLoadAverage("0.52 0.58 0.59 1/389 12345\n"));
    }
}
