/**
 * What the kernel counts, for exporters and viewers: {@link KernelMetrics} is read on demand (a
 * scrape, a page), {@link SyscallObserver} is told of every call as it ends (a tracer). The
 * kernel serves both only to bundles that hold {@code kernel.admin}: a call's arguments and
 * results are every tenant's data.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.agentos.kernel.api.telemetry;
