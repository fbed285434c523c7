package org.agentos.kernel.api.image;

import java.util.Iterator;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * A process as it was at a cut. Its memory is a copy-on-write snapshot held until {@link #close}.
 */
public interface AgentCut extends AutoCloseable {
    ProcessImage image();

    /** The entries of its user space at the cut, read as they are iterated. */
    Iterator<MemoryImageEntry> memory() throws SyscallException;

    /** The shared segments it uses, by name ({@code shared/<name>}), whether copied or not. */
    default java.util.List<String> sharedNames() {
        return java.util.List.of();
    }

    /** The shared segments copied with {@link CutOptions#withShared()}: their entries at the cut. */
    default java.util.List<SharedImage> shared() {
        return java.util.List.of();
    }

    /**
     * The messages it received from named queues and has not acked, by queue (each {@link QueueImage}
     * holds those only, all in flight to it): where it is restored, they go in flight to the copy if
     * their queue is there ({@link AgentImages#restoreHeld}).
     */
    default java.util.List<QueueImage> held() {
        return java.util.List.of();
    }

    /** Lets go of the memory snapshot. */
    @Override
    void close();
}
