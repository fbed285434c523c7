/** Prometheus metrics of the kernel at {@code /metrics}. */
package org.agentos.telemetry.metrics;
