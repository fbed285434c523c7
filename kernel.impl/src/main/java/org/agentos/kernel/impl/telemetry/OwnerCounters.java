package org.agentos.kernel.impl.telemetry;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one owner's processes used since the kernel started, ended processes included: added to
 * as it happens, so that a counter never goes back when a process ends and is reaped.
 */
public final class OwnerCounters {
    final LongAdder cpuNanos = new LongAdder();
    final LongAdder steps = new LongAdder();
    final LongAdder syscalls = new LongAdder();
    final LongAdder tokens = new LongAdder();
}
