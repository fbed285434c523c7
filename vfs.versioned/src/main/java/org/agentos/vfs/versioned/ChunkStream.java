package org.agentos.vfs.versioned;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.util.Enumeration;
import java.util.Iterator;

/** A version's content, read chunk by chunk as the stream is consumed: any size in bounded memory. */
final class ChunkStream {
    /** Reads a chunk's bytes; null when the store has no such chunk. */
    @FunctionalInterface
    interface Reader {
        byte[] read(String key) throws IOException;
    }

    private ChunkStream() {}

    static InputStream of(VersionStore.Version v, Reader chunks) {
        Iterator<String> keys = v.chunks().iterator();
        return new SequenceInputStream(new Enumeration<InputStream>() {
            @Override
            public boolean hasMoreElements() {
                return keys.hasNext();
            }

            @Override
            public InputStream nextElement() {
                String key = keys.next();
                try {
                    byte[] data = chunks.read(key);
                    if (data == null) throw new IllegalStateException("chunk " + key + " of " + v.path() + " v" + v.number() + " is missing");
                    return new ByteArrayInputStream(data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }
}
