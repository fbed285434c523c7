package org.agentos.image.oci.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image layout: written as the OCI tools read it, and read back only when every digest holds. */
class OciLayoutTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARTIFACT = "application/vnd.agentos.agent.v1";

    @TempDir
    Path dir;

    private OciLayout.Descriptor write(OciLayout l, String tag, String state) throws SyscallException {
        OciLayout.Descriptor config = l.putBlob("application/vnd.agentos.agent.config.v1+json",
                "{\"program\":\"counter\"}".getBytes(StandardCharsets.UTF_8));
        OciLayout.Descriptor layer = l.putBlob("application/vnd.agentos.agent.state.v1+json", state.getBytes(StandardCharsets.UTF_8));
        return l.putManifest(tag, ARTIFACT, config, List.of(layer), Map.of("org.opencontainers.image.created", "2026-12-06T00:00:00Z"));
    }

    @Test
    void anImageWrittenIsReadBackByItsTag() throws Exception {
        OciLayout l = OciLayout.create(dir, JSON);
        write(l, "v1", "{\"n\":1}");
        write(l, "v2", "{\"n\":2}");
        write(l, "v1", "{\"n\":3}"); // a tag names one image: the newest
        OciLayout again = OciLayout.open(dir, JSON);
        assertEquals(List.of("v2", "v1"), again.tags());
        OciLayout.Manifest m = again.manifest("v1");
        assertEquals(ARTIFACT, m.artifactType());
        assertEquals("counter", again.json(m.config()).path("program").asText());
        assertArrayEquals("{\"n\":3}".getBytes(StandardCharsets.UTF_8), again.blob(m.layers().get(0)));
        SyscallException none = assertThrows(SyscallException.class, () -> again.manifest("v9"));
        assertEquals(Errno.ENOENT, none.errno());
        assertTrue(none.getMessage().contains("no image tagged 'v9'") && none.getMessage().contains("[v2, v1]"), none.getMessage());
    }

    @Test
    void aChangedOrMissingBlobIsFound() throws Exception {
        OciLayout l = OciLayout.create(dir, JSON);
        write(l, "v1", "{\"n\":1}");
        OciLayout.Descriptor layer = l.manifest("v1").layers().get(0);
        Path file = dir.resolve("blobs/sha256").resolve(layer.digest().substring(7));
        byte[] b = Files.readAllBytes(file);
        b[2] ^= 1; // a flipped bit
        Files.write(file, b);
        SyscallException changed = assertThrows(SyscallException.class, () -> l.blob(layer));
        assertEquals(Errno.EINVAL, changed.errno());
        assertTrue(changed.getMessage().startsWith("blob " + layer.digest() + " does not match its digest"), changed.getMessage());
        Files.delete(file);
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class, () -> l.blob(layer)).errno());
    }

    @Test
    void craftedLayoutsAreRefusedWithTheReason() throws Exception {
        OciLayout l = OciLayout.create(dir, JSON);
        write(l, "v1", "{}");
        String index = Files.readString(dir.resolve("index.json"));
        String digest = l.manifest("v1").self().digest();
        Files.writeString(dir.resolve("index.json"), index.replace(digest, "sha256:../../../../etc/passwd"));
        SyscallException path = assertThrows(SyscallException.class, () -> l.manifest("v1"));
        assertEquals(Errno.EINVAL, path.errno());
        assertTrue(path.getMessage().contains("only sha256 and 64 hex digits"), path.getMessage());
        Files.writeString(dir.resolve("index.json"), index);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"9.0.0\"}");
        SyscallException version = assertThrows(SyscallException.class, () -> OciLayout.open(dir, JSON));
        assertEquals(Errno.EINVAL, version.errno());
        assertTrue(version.getMessage().contains("version '9.0.0'"), version.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> write(l, "../up", "{}")).errno());
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class, () -> OciLayout.open(dir.resolve("nowhere"), JSON)).errno());
    }

    /** skopeo, the container world's own tool, reads what this writes (scripts/ensure-oci-tools.sh installs it). */
    @Test
    void skopeoReadsTheImageAndItsDigests() throws Exception {
        Assumptions.assumeTrue(onPath("skopeo"), "skopeo is not installed (scripts/ensure-oci-tools.sh)");
        OciLayout l = OciLayout.create(dir, JSON);
        OciLayout.Descriptor m = write(l, "v1", "{\"n\":1}");
        Process p = new ProcessBuilder("skopeo", "inspect", "--raw", "oci:" + dir + ":v1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("sha256:" + OciLayout.sha256(out.getBytes(StandardCharsets.UTF_8)), m.digest(), "the manifest skopeo found: " + out);
        assertEquals(ARTIFACT, JSON.readTree(out).path("artifactType").asText());
        // and copies it whole to another layout, checking every blob's digest on the way
        Path copy = dir.resolveSibling(dir.getFileName() + "-copy");
        Process c = new ProcessBuilder("skopeo", "copy", "oci:" + dir + ":v1", "oci:" + copy + ":v1").redirectErrorStream(true).start();
        String copied = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(c.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, c.exitValue(), copied);
        assertEquals("{\"n\":1}", new String(OciLayout.open(copy, JSON).blob(OciLayout.open(copy, JSON).manifest("v1").layers().get(0)),
                StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
