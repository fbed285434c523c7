/**
 * Memory as kernel infrastructure: hierarchical spaces ({@code system}, {@code user/<pid>},
 * {@code shared/<name>}) of JSON documents and byte blobs under keys, with quotas, persistence,
 * copy-on-write fork, synchronization objects and a per-process context window paged like
 * virtual memory. Implemented by a memory bundle ({@link org.agentos.kernel.api.memory.MemoryManager});
 * agents use the {@code mem.*} system calls, which the kernel mediates.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.agentos.kernel.api.memory;
