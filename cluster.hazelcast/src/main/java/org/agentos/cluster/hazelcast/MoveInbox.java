package org.agentos.cluster.hazelcast;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Where images of agents on their way between nodes are kept for a moment: one directory per
 * move, named by its id, under this node's data. What arrives is checked as hostile input: an id
 * must be a UUID, a path relative and inside its move's directory.
 */
final class MoveInbox {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private final Path root;

    MoveInbox(Path root) {
        this.root = root;
    }

    /** A node's inbox: under Karaf's data, or a temporary directory outside Karaf. */
    static MoveInbox ofThisNode() {
        String data = System.getProperty("karaf.data");
        try {
            return new MoveInbox(data != null ? Path.of(data, "agentos", "cluster", "moves") : Files.createTempDirectory("agentos-moves"));
        } catch (IOException e) {
            throw new IllegalStateException("no directory for moves: " + e.getMessage(), e);
        }
    }

    Path dir(String id) throws SyscallException {
        if (id == null || !ID.matcher(id).matches()) throw new SyscallException(Errno.EINVAL, "'" + id + "' is not a move's id");
        return root.resolve(id);
    }

    /** Writes {@code data} at {@code offset} of the move's file {@code path}. */
    void put(String id, String path, long offset, byte[] data) throws SyscallException {
        Path dir = dir(id);
        Path file = dir.resolve(path == null ? "" : path).normalize();
        if (path == null || path.isEmpty() || Path.of(path).isAbsolute() || !file.startsWith(dir) || file.equals(dir)) {
            throw new SyscallException(Errno.EINVAL, "'" + path + "' is not a path inside a move");
        }
        if (offset < 0) throw new SyscallException(Errno.EINVAL, "offset " + offset + " is negative");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data == null ? new byte[0] : data);
                long at = offset;
                while (b.hasRemaining()) at += out.write(b, at);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write " + path + " of move " + id + ": " + e.getMessage());
        }
    }

    /** Removes a move's directory (done, or given up). */
    void delete(String id) {
        try {
            Path dir = dir(id);
            if (!Files.exists(dir)) return;
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        } catch (IOException | SyscallException e) {
            // a leftover directory under data/agentos/cluster/moves costs disk only
        }
    }
}
