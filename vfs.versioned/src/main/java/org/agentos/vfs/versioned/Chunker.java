package org.agentos.vfs.versioned;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Cuts content into chunks of {@value VersionStore#CHUNK} bytes named by their SHA-256, so that
 * equal content is stored once and a large file streams in chunk by chunk.
 */
final class Chunker {
    /** What a write stores: its size, its SHA-256 and its chunks' keys in order. */
    record Cut(long size, String sha256, List<String> chunks) {}

    /**
     * Takes each chunk as it is cut: its bytes are {@code buf[0..n)}, valid only during the call
     * (the store copies the ones it does not have, to queue them).
     */
    @FunctionalInterface
    interface Sink {
        void chunk(String key, byte[] hash, byte[] buf, int n) throws SyscallException;
    }

    /**
     * A writer thread's chunk buffer and digests, reused: a 64 KiB buffer per write would be a
     * gigabyte per second of garbage at the write rates this store is for.
     */
    private static final class Scratch {
        final byte[] buf = new byte[VersionStore.CHUNK];
        final MessageDigest whole = sha256();
        final MessageDigest chunk = sha256();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Chunker() {}

    static Cut cut(InputStream data, Sink sink) throws SyscallException {
        Scratch scratch = SCRATCH.get();
        MessageDigest whole = scratch.whole;
        whole.reset();
        List<String> keys = new ArrayList<>();
        long size = 0;
        byte[] buf = scratch.buf;
        try {
            while (true) {
                int n = data.readNBytes(buf, 0, VersionStore.CHUNK);
                if (n == 0) break;
                size += n;
                if (!keys.isEmpty() || n == VersionStore.CHUNK) whole.update(buf, 0, n);
                MessageDigest d = scratch.chunk;
                d.reset();
                d.update(buf, 0, n);
                byte[] hash = d.digest();
                String key = HexFormat.of().formatHex(hash);
                sink.chunk(key, hash, buf, n);
                keys.add(key);
                if (n < VersionStore.CHUNK) break;
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "reading the data to write failed: " + e.getMessage());
        }
        // A file of one chunk is that chunk: its hash is already known.
        String sha = keys.size() == 1 ? keys.get(0) : HexFormat.of().formatHex(whole.digest());
        return new Cut(size, sha, keys);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
