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

    @Test
    void parsesMeminfoIntoBytes() {
        long[] m = LinuxHal.parseMeminfo("MemTotal:       24683620 kB\nMemFree:        24022896 kB\nMemAvailable:   24303580 kB\n");
        assertEquals(24683620L * 1024, m[0]);
        assertEquals(24303580L * 1024, m[1]);
    }

    @Test
    void reportsHeapAndHostMemory() {
        var m = hal.memory();
        assertTrue(m.heapMax() > 0 && m.heapUsed() > 0, m.toString());
        assertTrue(m.hostTotal() > 0 && m.hostAvailable() >= 0 && m.hostAvailable() <= m.hostTotal(), m.toString());
        assertTrue(m.pressure() >= 0 && m.pressure() <= 1, m.toString());
    }
}
