/**
 * What the kernel counts for exporters: per-syscall counters and latency histograms, per-owner
 * usage, the system's state on demand, and the syscall observers (tracers) it tells of each call.
 */
package org.agentos.kernel.impl.telemetry;
