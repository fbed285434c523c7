package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The memory layer: the entries of an agent's user space, streamed, each a small JSON header
 * ({@code key}, {@code kind} json|blob, {@code working}, {@code tokens}, {@code summary}) and its
 * body, length-prefixed. Raw bytes rather than JSON with base64 blobs: a 100 MiB space is written
 * at the disk's speed. Read back with every length bounded: an image is untrusted.
 */
final class MemoryLayer {
    static final byte[] MAGIC = "agentos-memory 1\n".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_HEADER = 64 << 10;
    static final long MAX_BODY = 1L << 30;

    private MemoryLayer() {}

    /** Totals of what was written. */
    record Written(long entries, long bytes) {}

    static Written write(Iterator<MemoryImageEntry> entries, OutputStream out, ObjectMapper json) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.write(MAGIC);
        Written w = section(d, 0, entries, json);
        end(d);
        return w;
    }

    /** The entries of several members, each tagged with its pid, in the order given. */
    static List<Written> writeMembers(List<Long> members, List<Iterator<MemoryImageEntry>> entries, OutputStream out, ObjectMapper json)
            throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.write(MAGIC);
        List<Written> out2 = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) out2.add(section(d, members.get(i), entries.get(i), json));
        end(d);
        return out2;
    }

    private static Written section(DataOutputStream d, long member, Iterator<MemoryImageEntry> entries, ObjectMapper json)
            throws IOException {
        long n = 0;
        long bytes = 0;
        while (entries.hasNext()) {
            MemoryImageEntry e = entries.next();
            ObjectNode h = json.createObjectNode().put("key", e.key()).put("kind", e.blob() != null ? "blob" : "json");
            if (member != 0) h.put("member", member);
            if (e.working()) h.put("working", true).put("tokens", e.tokens());
            if (e.summary() != null) h.put("summary", e.summary());
            byte[] header = json.writeValueAsBytes(h);
            byte[] body = e.blob() != null ? e.blob() : json.writeValueAsBytes(e.json());
            d.writeInt(header.length);
            d.write(header);
            d.writeLong(body.length);
            d.write(body);
            n++;
            bytes += body.length;
        }
        return new Written(n, bytes);
    }

    private static void end(DataOutputStream d) throws IOException {
        d.writeInt(0); // the end: a truncated layer is told apart from a complete one
        d.flush();
    }

    /** An entry and the member (pid at the cut; 0 in an image of one agent) it belongs to. */
    record Tagged(long member, MemoryImageEntry entry) {}

    /** The entries of an image of one agent. */
    static Iterator<MemoryImageEntry> read(InputStream in, ObjectMapper json, String blob) throws SyscallException {
        Iterator<Tagged> tagged = readTagged(in, json, blob);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return tagged.hasNext();
            }

            @Override
            public MemoryImageEntry next() {
                return tagged.next().entry();
            }
        };
    }

    /**
     * The member of each entry of a layer, in order, reading headers only (bodies are skipped):
     * a check before a group's restore. Malformed: EINVAL.
     */
    static List<Long> members(InputStream in, ObjectMapper json, String blob) throws SyscallException {
        DataInputStream d = new DataInputStream(in);
        List<Long> out = new ArrayList<>();
        try {
            if (!java.util.Arrays.equals(d.readNBytes(MAGIC.length), MAGIC)) throw bad(blob, "it does not start as a memory layer of format 1");
            for (int hl; (hl = d.readInt()) != 0; ) {
                if (hl < 0 || hl > MAX_HEADER) throw bad(blob, "an entry header of " + hl + " bytes");
                JsonNode h = json.readTree(d.readNBytes(hl));
                if (h == null) throw bad(blob, "an entry without a header");
                long bl = d.readLong();
                if (bl < 0 || bl > MAX_BODY) throw bad(blob, "an entry of " + bl + " bytes (at most " + MAX_BODY + ")");
                d.skipNBytes(bl);
                out.add(h.path("member").asLong(0));
            }
        } catch (EOFException e) {
            throw bad(blob, "it ends in the middle of an entry");
        } catch (IOException e) {
            throw bad(blob, e.getMessage());
        }
        return out;
    }

    /** The entries of a layer, read as they are iterated; a malformed one ends iteration with an IllegalStateException carrying EINVAL. */
    static Iterator<Tagged> readTagged(InputStream in, ObjectMapper json, String blob) throws SyscallException {
        DataInputStream d = new DataInputStream(in);
        try {
            byte[] magic = d.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw bad(blob, "it does not start as a memory layer of format 1");
        } catch (IOException e) {
            throw bad(blob, e.getMessage());
        }
        return new Iterator<>() {
            private Tagged next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    try {
                        next = readOne();
                    } catch (SyscallException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                    done = next == null;
                }
                return next != null;
            }

            @Override
            public Tagged next() {
                if (!hasNext()) throw new NoSuchElementException();
                Tagged e = next;
                next = null;
                return e;
            }

            private Tagged readOne() throws SyscallException {
                try {
                    int hl = d.readInt();
                    if (hl == 0) return null;
                    if (hl < 0 || hl > MAX_HEADER) throw bad(blob, "an entry header of " + hl + " bytes");
                    JsonNode h = json.readTree(d.readNBytes(hl));
                    if (h == null || !h.path("key").isTextual() || h.path("key").asText().isEmpty()) {
                        throw bad(blob, "an entry without a key");
                    }
                    long bl = d.readLong();
                    if (bl < 0 || bl > MAX_BODY) throw bad(blob, "an entry of " + bl + " bytes (at most " + MAX_BODY + ")");
                    byte[] body = d.readNBytes((int) bl);
                    if (body.length != bl) throw new EOFException();
                    boolean isBlob = "blob".equals(h.path("kind").asText());
                    JsonNode value = isBlob ? null : json.readTree(body);
                    if (!isBlob && value == null) throw bad(blob, "entry '" + h.path("key").asText() + "' has no JSON value");
                    return new Tagged(h.path("member").asLong(0), new MemoryImageEntry(h.path("key").asText(), value,
                            isBlob ? body : null, h.path("working").asBoolean(false), h.path("tokens").asInt(0),
                            h.path("summary").asText(null)));
                } catch (EOFException e) {
                    throw bad(blob, "it ends in the middle of an entry");
                } catch (IOException e) {
                    throw bad(blob, e.getMessage());
                }
            }
        };
    }

    private static SyscallException bad(String blob, String why) {
        return new SyscallException(Errno.EINVAL, "memory layer " + blob + " is malformed: " + why);
    }
}
