package org.agentos.vfs.versioned;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongConsumer;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The {@code /tmp} area: scratch files in memory, not versioned, each belonging to the process
 * that wrote it and gone when that process exits ({@link #clear}). Another process cannot write
 * over a file (an operator can); a directory exists by the files under it; all of {@code /tmp}
 * together holds at most {@link #limit} bytes.
 *
 * <p>The filesystem has checked {@code fs:read} or {@code fs:write} on the path. Reads from any
 * thread without a lock; changes, and the bytes held, under the lock of the map.
 */
final class TmpFiles {
    private record TmpFile(byte[] data, long pid, String owner, long timeMillis) {}

    private final ConcurrentSkipListMap<String, TmpFile> files = new ConcurrentSkipListMap<>();
    private long used; // guarded by files
    private volatile long limit = 256L << 20;
    /** Told the writer's pid after each write: the filesystem clears its files when it exits. */
    private final LongConsumer written;

    TmpFiles(LongConsumer written) {
        this.written = written;
    }

    void limit(long bytes) {
        limit = bytes;
    }

    FileInfo write(FsCaller c, String p, InputStream data, boolean append) throws SyscallException {
        byte[] bytes;
        try {
            bytes = data.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading the data to write failed: " + e.getMessage());
        }
        long now = System.currentTimeMillis();
        long size;
        synchronized (files) {
            TmpFile old = files.get(p);
            if (old != null && old.pid() != c.pid() && c.pid() != 0) {
                throw new SyscallException(Errno.EPERM, p + " belongs to pid " + old.pid());
            }
            byte[] content = append && old != null ? concat(old.data(), bytes) : bytes;
            long total = used - (old == null ? 0 : old.data().length) + content.length;
            if (total > limit) throw new SyscallException(Errno.ENOSPC, "/tmp is full (" + limit + " bytes)");
            files.put(p, new TmpFile(content, c.pid(), c.owner(), now));
            used = total;
            size = content.length;
        }
        written.accept(c.pid()); // a process that has ended meanwhile: its files go at once
        return FileInfo.file(p, 0, size, null, false, now, c.pid(), c.owner(), c.bundle(), c.syscall(), 0);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    InputStream read(String p) throws SyscallException {
        TmpFile f = files.get(p);
        if (f == null) throw new SyscallException(Errno.ENOENT, "no file " + p);
        return new ByteArrayInputStream(f.data());
    }

    FileInfo stat(String p) throws SyscallException {
        TmpFile f = files.get(p);
        if (f != null) return FileInfo.file(p, 0, f.data().length, null, false, f.timeMillis(), f.pid(), f.owner(), null, null, 0);
        String below = files.ceilingKey(p + "/");
        if (below != null && below.startsWith(p + "/")) return FileInfo.directory(p);
        throw new SyscallException(Errno.ENOENT, "no file " + p);
    }

    /** The names in directory {@code dir}, sorted, a directory's ending in '/'; none for what is not a directory. */
    List<String> names(String dir) {
        String prefix = dir + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String k : files.tailMap(prefix).keySet()) {
            if (!k.startsWith(prefix)) break;
            String rest = k.substring(prefix.length());
            int s = rest.indexOf('/');
            names.add(s < 0 ? rest : rest.substring(0, s) + "/");
        }
        return new ArrayList<>(names);
    }

    FileInfo delete(FsCaller c, String p) throws SyscallException {
        TmpFile f;
        synchronized (files) {
            f = files.remove(p);
            if (f != null) used -= f.data().length;
        }
        if (f == null) throw new SyscallException(Errno.ENOENT, "no file " + p);
        return FileInfo.file(p, 0, 0, null, true, System.currentTimeMillis(), c.pid(), c.owner(), c.bundle(), c.syscall(), 0);
    }

    /** Process {@code pid}'s files go (it has exited). */
    void clear(long pid) {
        synchronized (files) {
            files.entrySet().removeIf(e -> {
                if (e.getValue().pid() != pid) return false;
                used -= e.getValue().data().length;
                return true;
            });
        }
    }
}
