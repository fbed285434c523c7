package org.agentos.kernel.impl;

import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The memory manager the kernel has bound, for the kernel's own console commands (mem:*): they
 * must show what agents see, not whichever manager ranks highest. Registered by the kernel
 * component; not exported.
 */
public interface KernelMemory {
    /** The bound manager, or {@code ENOSYS} when there is none. */
    MemoryManager bound() throws SyscallException;

    /** Deletes a shared space as operator {@code user}; processes waiting for its locks or semaphores get ENOENT. */
    void deleteSpace(String user, String space) throws SyscallException;
}
