package org.agentos.kernel.impl.proc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Hands out pids that never repeat in an installation's life, across restarts and kill -9. The
 * checkpoint alone cannot promise that: reaped processes leave it, so its highest pid can be
 * lower than one already given (and audited). Pids are reserved in blocks, and the end of the
 * reserved block is on disk ({@code pids}, fsynced) before a pid of it is given out; after a
 * crash numbering goes on past the block, skipping at most {@link #BLOCK} pids.
 *
 * <p>The fast path is one atomic increment and one read: the file is written once per block
 * (at 700 k spawns/s, a few times a second).
 */
public final class PidAllocator {
    static final long BLOCK = 1L << 16;
    private final Path file;
    private final AtomicLong next;
    private volatile long reservedEnd;

    /** {@code dir} null: nothing persisted (tests, benchmarks): pids only grow within this run. */
    public PidAllocator(Path dir, long first) {
        this.file = dir == null ? null : dir.resolve("pids");
        long start = first;
        if (file != null && Files.exists(file)) {
            try {
                start = Math.max(start, Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
            } catch (IOException | NumberFormatException e) {
                throw new IllegalStateException("cannot read the pid reservation " + file + ": " + e.getMessage()
                        + " (delete it only if no process and no audit record of this installation matters)", e);
            }
        }
        this.next = new AtomicLong(start);
        this.reservedEnd = file == null ? Long.MAX_VALUE : start;
    }

    /** Numbering continues at least at {@code pid} (the highest pid a checkpoint holds, plus one). */
    void atLeast(long pid) {
        next.accumulateAndGet(pid, Math::max);
    }

    public long next() throws SyscallException {
        long pid = next.getAndIncrement();
        if (pid >= reservedEnd) reserve(pid);
        return pid;
    }

    /** The pid the next spawn gets, at least. */
    long peek() {
        return next.get();
    }

    private synchronized void reserve(long pid) throws SyscallException {
        if (pid < reservedEnd) return;
        long end = pid + BLOCK;
        Path tmp = file.resolveSibling("pids.tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap((end + "\n").getBytes(StandardCharsets.US_ASCII)));
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true); // the rename itself must survive a crash, or the old end would come back
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot reserve pids in " + file + ": " + e.getMessage(), e);
        }
        reservedEnd = end;
    }
}
