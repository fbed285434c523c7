package org.agentos.image.oci.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An OCI image layout (image-spec 1.1, "Image Layout") in a directory: {@code oci-layout},
 * {@code index.json} naming each manifest by its tag ({@code org.opencontainers.image.ref.name}),
 * and content-addressed {@code blobs/sha256/<hex>}. What is read is untrusted (an image from
 * elsewhere): every blob's digest and size are checked against its descriptor, a digest must be
 * {@code sha256:} and 64 hex digits (no path in it), JSON documents and blobs are bounded, and an
 * unknown layout version is refused; each refusal is a {@link SyscallException} naming what is wrong.
 */
public final class OciLayout {
    public static final String LAYOUT_VERSION = "1.0.0";
    public static final String INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** The largest blob this reads (a layer of a big memory space is written in several). */
    public static final long MAX_BLOB = 1L << 31;
    /** The largest JSON document (index, manifest, config) this parses. */
    public static final int MAX_DOCUMENT = 4 << 20;

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    private final Path dir;
    private final ObjectMapper json;

    private OciLayout(Path dir, ObjectMapper json) {
        this.dir = dir;
        this.json = json;
    }

    /** A content descriptor: what a blob is, its digest and size, and annotations. */
    public record Descriptor(String mediaType, String digest, long size, String artifactType, Map<String, String> annotations) {
        public Descriptor {
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        }

        ObjectNode toJson(ObjectMapper json) {
            ObjectNode o = json.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", size);
            if (artifactType != null) o.put("artifactType", artifactType);
            if (!annotations.isEmpty()) {
                ObjectNode a = o.putObject("annotations");
                annotations.forEach(a::put);
            }
            return o;
        }
    }

    /** A manifest as this reads it: its artifact type, config and layers. */
    public record Manifest(Descriptor self, String artifactType, Descriptor config, List<Descriptor> layers) {}

    /** Creates {@code dir} as an empty image layout, or opens it for adding blobs and tags when it is one. */
    public static OciLayout create(Path dir, ObjectMapper json) throws SyscallException {
        try {
            Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
            Path layout = dir.resolve("oci-layout");
            if (!Files.exists(layout)) {
                writeAtomically(layout, json.writeValueAsBytes(json.createObjectNode().put("imageLayoutVersion", LAYOUT_VERSION)));
            }
            OciLayout l = open(dir, json);
            if (!Files.exists(dir.resolve("index.json"))) l.writeIndex(json.createArrayNode());
            return l;
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write an image layout in " + dir + ": " + e.getMessage());
        }
    }

    /** Opens an existing image layout: refused when it is none, or of a layout version this does not read. */
    public static OciLayout open(Path dir, ObjectMapper json) throws SyscallException {
        Path layout = dir.resolve("oci-layout");
        if (!Files.isRegularFile(layout)) throw new SyscallException(Errno.ENOENT, dir + " is no OCI image layout (no oci-layout file)");
        OciLayout l = new OciLayout(dir, json);
        JsonNode v = l.document(layout, "oci-layout");
        if (!LAYOUT_VERSION.equals(v.path("imageLayoutVersion").asText())) {
            throw new SyscallException(Errno.EINVAL, dir + " is an image layout of version '" + v.path("imageLayoutVersion").asText()
                    + "'; this reads " + LAYOUT_VERSION);
        }
        return l;
    }

    /** Stores {@code bytes} as a blob (once: the same bytes are the same blob) and describes it. */
    public Descriptor putBlob(String mediaType, byte[] bytes) throws SyscallException {
        String digest = "sha256:" + sha256(bytes);
        Path blob = blobPath(digest);
        try {
            if (!Files.exists(blob) || Files.size(blob) != bytes.length) writeAtomically(blob, bytes);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write blob " + digest + ": " + e.getMessage());
        }
        return new Descriptor(mediaType, digest, bytes.length, null, null);
    }

    /** Writes a blob's content to a stream. */
    @FunctionalInterface
    public interface BlobWriter {
        void writeTo(java.io.OutputStream out) throws IOException, SyscallException;
    }

    /**
     * Stores what {@code writer} writes as a blob, streamed: hashed while it goes to a temporary
     * file, fsynced, then renamed to its digest. For layers too large to hold in memory.
     */
    public Descriptor putBlob(String mediaType, BlobWriter writer) throws SyscallException {
        Path tmp;
        try {
            tmp = Files.createTempFile(dir.resolve("blobs").resolve("sha256"), ".incoming-", ".tmp");
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write a blob in " + dir + ": " + e.getMessage());
        }
        try {
            long size;
            byte[] hash;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE);
                 HashingStream out = new HashingStream(java.nio.channels.Channels.newOutputStream(ch))) {
                java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
                writer.writeTo(buffered);
                buffered.flush(); // not closed: that would close the channel before its force
                size = out.count;
                hash = out.digest(); // while the hashing thread finishes, nothing else is written
                ch.force(true);
            }
            String digest = "sha256:" + HexFormat.of().formatHex(hash);
            Path blob = blobPath(digest);
            if (Files.exists(blob) && Files.size(blob) == size) {
                Files.delete(tmp);
            } else {
                try {
                    Files.move(tmp, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, blob, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return new Descriptor(mediaType, digest, size, null, null);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write a blob in " + dir + ": " + e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover .tmp is not a blob: nothing reads it
            }
        }
    }

    /**
     * Passes bytes on, counting and hashing them. Past its first MiB a blob is hashed on a thread of
     * its own, a MiB at a time, beside the writes: SHA-256 and the disk take about as long each, and
     * one after the other a large layer was written at a third of the disk's speed.
     */
    private static final class HashingStream extends java.io.FilterOutputStream {
        private static final int CHUNK = 1 << 20;
        private static final byte[] END = new byte[0];
        private final MessageDigest sha = sha256();
        private byte[] staged = new byte[CHUNK];
        private int used;
        long count;
        private java.util.concurrent.ArrayBlockingQueue<byte[]> chunks;
        private Thread hasher;
        private volatile Throwable failure;

        HashingStream(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
            if (used == CHUNK) handOff();
            staged[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
            while (len > 0) {
                if (used == CHUNK) handOff();
                int n = Math.min(len, CHUNK - used);
                System.arraycopy(b, off, staged, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        /** A full chunk to the hashing thread (started with the first one); waits when it is 8 MiB behind. */
        private void handOff() throws IOException {
            if (hasher == null) {
                chunks = new java.util.concurrent.ArrayBlockingQueue<>(8);
                hasher = new Thread(() -> {
                    try {
                        for (byte[] c; (c = chunks.take()) != END; ) sha.update(c);
                    } catch (Throwable t) {
                        failure = t;
                    }
                }, "agentos-blob-hash");
                hasher.setDaemon(true);
                hasher.start();
            }
            put(staged);
            staged = new byte[CHUNK];
            used = 0;
        }

        private void put(byte[] chunk) throws IOException {
            try {
                while (!chunks.offer(chunk, 1, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (!hasher.isAlive()) throw new IOException("the blob's hashing stopped: " + failure);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while a blob was hashed");
            }
        }

        /** The SHA-256 of everything written. */
        byte[] digest() throws IOException {
            if (hasher == null) {
                sha.update(staged, 0, used);
                return sha.digest();
            }
            put(used == CHUNK ? staged : java.util.Arrays.copyOf(staged, used));
            put(END);
            try {
                hasher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while a blob was hashed");
            }
            if (failure != null) throw new IOException("the blob could not be hashed: " + failure);
            return sha.digest();
        }

        @Override
        public void close() throws IOException {
            if (hasher != null && hasher.isAlive()) hasher.interrupt(); // a failed write: the hash is not wanted
        }
    }

    /**
     * Checks a blob against its descriptor without holding it: refused when it is missing, of
     * another size, or does not hash to its digest. Then {@link #open} reads it.
     */
    public void verify(Descriptor d) throws SyscallException {
        Path p = blobPath(d.digest());
        if (d.size() < 0) throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " claims " + d.size() + " bytes");
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                size += n;
                if (size > d.size()) break;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SyscallException(Errno.ENOENT, "blob " + d.digest() + " is missing from " + dir);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read blob " + d.digest() + ": " + e.getMessage());
        }
        if (size != d.size()) {
            throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " has " + (size > d.size() ? "more than " : "") + size
                    + " bytes; its descriptor says " + d.size());
        }
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(d.digest())) {
            throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " does not match its digest (its content hashes to "
                    + actual + "): changed or corrupt");
        }
    }

    /** A stream of a blob (checked with {@link #verify} first: this does not check it again). */
    public InputStream open(Descriptor d) throws SyscallException {
        try {
            return new java.io.BufferedInputStream(Files.newInputStream(blobPath(d.digest())), 1 << 16);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SyscallException(Errno.ENOENT, "blob " + d.digest() + " is missing from " + dir);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read blob " + d.digest() + ": " + e.getMessage());
        }
    }

    /** Stores a manifest of {@code artifactType} with its config and layers, and names it {@code tag} in the index. */
    public Descriptor putManifest(String tag, String artifactType, Descriptor config, List<Descriptor> layers,
                                  Map<String, String> annotations) throws SyscallException {
        checkTag(tag);
        ObjectNode m = json.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST);
        if (artifactType != null) m.put("artifactType", artifactType);
        m.set("config", config.toJson(json));
        ArrayNode ls = m.putArray("layers");
        for (Descriptor d : layers) ls.add(d.toJson(json));
        if (annotations != null && !annotations.isEmpty()) {
            ObjectNode a = m.putObject("annotations");
            annotations.forEach(a::put);
        }
        Descriptor blob;
        try {
            blob = putBlob(MANIFEST, json.writeValueAsBytes(m));
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot encode the manifest: " + e.getMessage());
        }
        Descriptor named = new Descriptor(MANIFEST, blob.digest(), blob.size(), artifactType, Map.of(REF_NAME, tag));
        ArrayNode manifests = json.createArrayNode();
        for (JsonNode d : index().path("manifests")) {
            if (!tag.equals(d.path("annotations").path(REF_NAME).asText(null))) manifests.add(d); // a tag names one manifest
        }
        manifests.add(named.toJson(json));
        writeIndex(manifests);
        return named;
    }

    /** The tags of the index, in order. */
    public List<String> tags() throws SyscallException {
        List<String> out = new ArrayList<>();
        for (JsonNode d : index().path("manifests")) {
            String ref = d.path("annotations").path(REF_NAME).asText(null);
            if (ref != null) out.add(ref);
        }
        return out;
    }

    /**
     * The manifest tagged {@code tag} (or the only one, when {@code tag} is null), its digest
     * checked. ENOENT when there is none; EINVAL when it is malformed.
     */
    public Manifest manifest(String tag) throws SyscallException {
        JsonNode found = null;
        List<String> tags = new ArrayList<>();
        JsonNode manifests = index().path("manifests");
        for (JsonNode d : manifests) {
            String ref = d.path("annotations").path(REF_NAME).asText(null);
            if (ref != null) tags.add(ref);
            if (tag == null ? manifests.size() == 1 : tag.equals(ref)) found = d;
        }
        if (found == null) {
            throw new SyscallException(Errno.ENOENT, tag == null ? dir + " holds " + tags.size() + " tagged images " + tags
                    + ": name one" : "no image tagged '" + tag + "' in " + dir + " (it has " + tags + ")");
        }
        Descriptor self = descriptor(found, "the index's manifest");
        JsonNode m = parse(blob(self), "manifest " + self.digest());
        if (m.path("schemaVersion").asInt() != 2) throw new SyscallException(Errno.EINVAL, "manifest " + self.digest() + " has schemaVersion "
                + m.path("schemaVersion") + "; this reads 2");
        Descriptor config = descriptor(m.path("config"), "the config of manifest " + self.digest());
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : m.path("layers")) layers.add(descriptor(l, "a layer of manifest " + self.digest()));
        return new Manifest(self, m.path("artifactType").asText(null), config, List.copyOf(layers));
    }

    /** A blob's bytes, refused when its digest or size is not the descriptor's (a changed or truncated blob). */
    public byte[] blob(Descriptor d) throws SyscallException {
        Path p = blobPath(d.digest());
        if (d.size() < 0 || d.size() > MAX_BLOB) throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " claims " + d.size()
                + " bytes (at most " + MAX_BLOB + ")");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes((int) Math.min(d.size() + 1, Integer.MAX_VALUE - 8));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SyscallException(Errno.ENOENT, "blob " + d.digest() + " is missing from " + dir);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read blob " + d.digest() + ": " + e.getMessage());
        }
        if (bytes.length != d.size()) {
            throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " has " + (bytes.length > d.size() ? "more than " : "")
                    + bytes.length + " bytes; its descriptor says " + d.size());
        }
        String actual = "sha256:" + sha256(bytes);
        if (!actual.equals(d.digest())) {
            throw new SyscallException(Errno.EINVAL, "blob " + d.digest() + " does not match its digest (its content hashes to "
                    + actual + "): changed or corrupt");
        }
        return bytes;
    }

    /** A JSON document from a blob, bounded. */
    public JsonNode json(Descriptor d) throws SyscallException {
        if (d.size() > MAX_DOCUMENT) throw new SyscallException(Errno.EINVAL, "document " + d.digest() + " of " + d.size()
                + " bytes (at most " + MAX_DOCUMENT + ")");
        return parse(blob(d), "document " + d.digest());
    }

    public Path dir() {
        return dir;
    }

    // ------------------------------------------------------------------ parts

    private JsonNode index() throws SyscallException {
        JsonNode i = document(dir.resolve("index.json"), "index.json");
        if (i.path("schemaVersion").asInt() != 2) throw new SyscallException(Errno.EINVAL, "index.json has schemaVersion "
                + i.path("schemaVersion") + "; this reads 2");
        return i;
    }

    private void writeIndex(ArrayNode manifests) throws SyscallException {
        ObjectNode i = json.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
        i.set("manifests", manifests);
        try {
            writeAtomically(dir.resolve("index.json"), json.writeValueAsBytes(i));
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write index.json: " + e.getMessage());
        }
    }

    private JsonNode document(Path file, String what) throws SyscallException {
        try {
            if (Files.size(file) > MAX_DOCUMENT) throw new SyscallException(Errno.EINVAL, what + " is larger than " + MAX_DOCUMENT + " bytes");
            return parse(Files.readAllBytes(file), what);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SyscallException(Errno.ENOENT, what + " is missing from " + dir);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read " + what + ": " + e.getMessage());
        }
    }

    private JsonNode parse(byte[] bytes, String what) throws SyscallException {
        try {
            JsonNode n = json.readTree(bytes);
            if (n == null || !n.isObject()) throw new SyscallException(Errno.EINVAL, what + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, what + " is not JSON: " + e.getMessage());
        }
    }

    private Descriptor descriptor(JsonNode d, String what) throws SyscallException {
        if (!d.isObject()) throw new SyscallException(Errno.EINVAL, what + " is no descriptor");
        String digest = d.path("digest").asText("");
        if (!DIGEST.matcher(digest).matches()) {
            throw new SyscallException(Errno.EINVAL, what + " has digest '" + abbreviate(digest) + "': only sha256 and 64 hex digits are read");
        }
        if (!d.path("size").canConvertToLong() || d.path("size").asLong() < 0) {
            throw new SyscallException(Errno.EINVAL, what + " has no valid size");
        }
        Map<String, String> annotations = new java.util.LinkedHashMap<>();
        d.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Descriptor(d.path("mediaType").asText(""), digest, d.path("size").asLong(), d.path("artifactType").asText(null),
                annotations);
    }

    /** Where a blob lives; the digest was checked to be sha256 + hex, so it names a file in blobs/sha256 and nothing else. */
    private Path blobPath(String digest) throws SyscallException {
        if (!DIGEST.matcher(digest).matches()) throw new SyscallException(Errno.EINVAL, "digest '" + abbreviate(digest) + "' is not sha256 + 64 hex digits");
        return dir.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    private static void checkTag(String tag) throws SyscallException {
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw new SyscallException(Errno.EINVAL, "tag '" + abbreviate(String.valueOf(tag)) + "': letters, digits, '.', '_', '-', "
                    + "at most 128, not starting with '.' or '-'");
        }
    }

    /** The SHA-256 of {@code bytes}, 64 hex digits (what a digest holds after "sha256:"). */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Temporary file, fsync, rename: a crash leaves the old file or the new one, never half of one. */
    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
