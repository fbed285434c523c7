package org.agentos.vfs.versioned;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * A compact copy of the filesystem log: only what the index still refers to. Versions expire
 * (an owner's quota holds its files and their history), and their chunks would otherwise stay
 * in the append-only log for ever. The copy holds the versions kept, oldest first (so a history
 * read back from it expires in the same order), each after the chunks it needs that are not
 * written yet, then the explicit directories and the forks' views; it is fsynced before {@link VersionStore} renames it
 * over the log.
 */
final class Compaction {
    /** The copy's size, and where each chunk is in it. */
    record Written(long size, Map<String, VersionStore.Location> chunks) {}

    /** Reads a chunk's bytes from the log as it is; null when it is missing. */
    @FunctionalInterface
    interface ChunkReader {
        byte[] read(String key) throws IOException;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Compaction.class);

    private Compaction() {}

    static Written write(Path to, Collection<VersionStore.Version> versions, Collection<String> dirs,
                         Collection<ForkViews.View> views, ChunkReader chunks, Function<String, VersionStore.Usage> usage)
            throws IOException {
        Map<String, VersionStore.Location> moved = new HashMap<>();
        List<VersionStore.Version> kept = new ArrayList<>(versions);
        kept.sort(Comparator.comparingLong(VersionStore.Version::time)
                .thenComparing(v -> LogRecords.versionKey(v.path(), v.number())));
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long[] at = {0};
            for (VersionStore.Version v : kept) {
                for (String k : v.chunks()) {
                    if (moved.containsKey(k)) continue;
                    byte[] data = chunks.read(k);
                    if (data == null) throw new IOException("chunk " + k + " of " + v.path() + " v" + v.number() + " is missing");
                    long payload = append(out, at, LogRecords.chunk(HexFormat.of().parseHex(k), data));
                    moved.put(k, new VersionStore.Location(payload + 33, data.length));
                }
                append(out, at, LogRecords.version(v, usage.apply(v.holder())));
            }
            for (String d : dirs) append(out, at, LogRecords.dir(d));
            for (ForkViews.View v : views) append(out, at, LogRecords.view(v));
            out.force(true);
            return new Written(at[0], moved);
        }
    }

    /** Renames the copy over the log (atomically, the directory synced) and opens it. */
    static FileChannel install(Path copy, Path log) throws IOException {
        java.nio.file.Files.move(copy, log, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel parent = FileChannel.open(log.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            parent.force(true); // the rename itself on disk
        } catch (IOException e) {
            LOG.debug("filesystem log: the directory could not be synced: {}", e.toString());
        }
        return FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Appends one record ({@code [length][CRC32C][payload]}) at {@code at[0]}; returns where its payload starts. */
    private static long append(FileChannel out, long[] at, byte[] payload) throws IOException {
        CRC32C c = new CRC32C();
        c.update(payload, 0, payload.length);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt((int) c.getValue()).put(payload).flip();
        long start = at[0];
        while (b.hasRemaining()) at[0] += out.write(b, at[0]);
        return start + 8;
    }
}
