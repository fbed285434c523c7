package org.agentos.image.oci.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.agentos.image.oci.layout.OciLayout;
import org.agentos.image.oci.layout.OciLayout.Descriptor;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent written as an OCI image and restored on a second installation, where it finishes as
 * an unmoved copy does; images changed by hand (a flipped byte, a missing blob, a newer format,
 * more capabilities, path tricks in the files) refused before anything is restored.
 */
class AgentImageStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConsoleOperator ROOT = new ConsoleOperator("root", Set.of("admin"));
    private static final ConsoleOperator ALICE = new ConsoleOperator("alice", Set.of("manager"));

    @TempDir
    Path dir;

    private Path image() {
        return dir.resolve("image");
    }

    /** An agent of alice with memory, two files in its workspace and a message waiting, written as tag v1. */
    private long checkpointed(Installation a) throws Exception {
        a.write("/home/alice/notes.txt", "hello");
        a.write("/home/alice/deep/data.csv", "a,b\n1,2\n");
        a.write("/home/bob/other.txt", "not alice's");
        long pid = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 3), "alice", 0, List.of("fs:*:/home/alice/**"), null));
        a.send(pid, 1);
        Installation.await("the first message summed", () -> a.storedSum(pid) == 1);
        AgentImageStore.Written w = a.images.checkpoint(pid, image(), "v1", CutOptions.defaults(), "root");
        assertEquals(1, w.memoryEntries());
        assertEquals(2, w.files(), "its workspace: /home/alice, not bob's");
        assertEquals("summer", w.program());
        return pid;
    }

    @Test
    void anAgentMovedToASecondInstallationFinishesAsTheUnmovedOneDoes() throws Exception {
        try (Installation a = new Installation(dir.resolve("a")); Installation b = new Installation(dir.resolve("b"))) {
            long original = checkpointed(a);
            List<AgentImageStore.Listed> listed = a.images.list(image());
            assertEquals(1, listed.size());
            assertEquals("v1", listed.get(0).tag());
            assertEquals(List.of("summer"), listed.get(0).programs());
            assertEquals(List.of(original), listed.get(0).origins());
            assertEquals(List.of("alice"), listed.get(0).owners());
            AgentImageStore.Restored r = b.images.restore(image(), "v1", RestoreSpec.byOperator(ROOT, null, null, false));
            assertEquals(original, r.origin());
            assertEquals("alice", r.owner());
            assertEquals(2, r.filesWritten());
            assertEquals("hello", b.read("/home/alice/notes.txt"));
            assertEquals("a,b\n1,2\n", b.read("/home/alice/deep/data.csv"));
            assertEquals(1, b.storedSum(r.pid()), "its memory came along");
            for (Installation i : List.of(a, b)) {
                long pid = i == a ? original : r.pid();
                i.send(pid, 2);
                i.send(pid, 3);
            }
            assertEquals("sum=6", a.exit(original).reason());
            assertEquals("sum=6", b.exit(r.pid()).reason(), "the moved copy ends as the unmoved one");
            // restored again on the first installation, where the files are as in the image: none is written again
            AgentImageStore.Restored again = a.images.restore(image(), "v1", RestoreSpec.byOperator(ALICE, null, null, true));
            assertEquals(0, again.filesWritten());
            assertEquals(2, again.filesUnchanged());
            assertEquals(org.agentos.kernel.api.process.ProcessState.PAUSED, a.kernel.info(again.pid()).orElseThrow().state());
        }
    }

    @Test
    void aForksImageHoldsItsOwnWorkspaceAndTheOriginalsHoldsNoForkCopies() throws Exception {
        try (Installation a = new Installation(dir.resolve("a")); Installation b = new Installation(dir.resolve("b"))) {
            long original = checkpointed(a);
            long fork = a.kernel.images.fork(original, 10_000, true);
            a.write("/home/alice/.forks/" + fork + "/home/alice/notes.txt", "the fork's"); // as the fork would write it
            AgentImageStore.Written w = a.images.checkpoint(fork, dir.resolve("fork"), "f", CutOptions.defaults(), "root");
            assertEquals(2, w.files(), "its own two files");
            AgentImageStore.Written again = a.images.checkpoint(original, dir.resolve("again"), "o", CutOptions.defaults(), "root");
            assertEquals(2, again.files(), "the original's workspace leaves out the forks' copies in its home");
            b.images.restore(dir.resolve("fork"), "f", RestoreSpec.byOperator(ROOT, null, null, true));
            assertEquals("the fork's", b.read("/home/alice/notes.txt"));
            assertEquals("a,b\n1,2\n", b.read("/home/alice/deep/data.csv"));
        }
    }

    @Test
    void aProducerAndConsumerCheckpointedTogetherUnderLoadFinishOnASecondInstallationWithNothingLostOrRepeated() throws Exception {
        int n = 2000;
        Path group = dir.resolve("group");
        List<AgentImageStore.Written> written;
        try (Installation a = new Installation(dir.resolve("a"))) {
            a.kernel.ipc.create(org.agentos.kernel.api.ipc.QueueSpec.builder("jobs").capacity(n).durable(true).build(), "alice");
            List<String> caps = List.of("ipc:*:jobs");
            long consumer = a.kernel.spawn(new SpawnSpec("consumer", Args.of("limit", n), "alice", 0, caps, null));
            long producer = a.kernel.spawn(new SpawnSpec("producer", Args.of("limit", n), "alice", 0, caps, null));
            Installation.await("the pair under way", () -> a.kernel.info(consumer).orElseThrow().usage().steps() > 100);
            written = a.images.checkpointGroup(List.of(producer, consumer), group, "pair", new CutOptions(10_000, true), "root");
            assertEquals(List.of("jobs"), written.get(0).queues());
            assertTrue(a.kernel.info(producer).orElseThrow().usage().steps() < n, "cut while it still had to send");
            a.kernel.kill(producer);
            a.kernel.kill(consumer);
        }
        JsonNode manifest = JSON.readTree(Files.readAllBytes(group.resolve("blobs/sha256/" + written.get(0).manifest().digest().substring(7))));
        assertEquals(AgentImageStore.GROUP_ARTIFACT_TYPE, manifest.path("artifactType").asText());
        assertEquals(5, manifest.path("layers").size(), "states, journals, mailboxes, memory of both, and the queue");
        try (Installation b = new Installation(dir.resolve("b"))) {
            List<AgentImageStore.Restored> r = b.images.restoreAll(group, "pair", RestoreSpec.byOperator(ROOT, null, null, false));
            assertEquals(List.of("consumer", "producer"), r.stream().map(AgentImageStore.Restored::program).toList(), "by pid");
            assertEquals("sent " + n, b.exit(r.get(1).pid()).reason());
            assertEquals("count=" + n + " sum=" + ((long) n * (n + 1) / 2), b.exit(r.get(0).pid()).reason(),
                    "every message once: none lost, none repeated");
        }
        readByTheOciTools(group);
    }

    @Test
    void sharedSegmentsAreNamedOrCopiedWithTheAgentAndNeverOverwriteOnesThatExist() throws Exception {
        Path shared = dir.resolve("shared");
        try (Installation a = new Installation(dir.resolve("a")); Installation b = new Installation(dir.resolve("b"))) {
            var mem = a.kernel.mem.manager();
            mem.share(org.agentos.kernel.api.memory.MemCaller.operator("alice"), "team",
                    new org.agentos.kernel.api.memory.SharedSpec(false, 0, Set.of("bob")));
            mem.put(org.agentos.kernel.api.memory.MemCaller.kernel(), "shared/team", "goal",
                    org.agentos.kernel.api.memory.MemWrite.json(JSON.getNodeFactory().textNode("ship it"))).toCompletableFuture().get();
            long pid = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of("mem:*:shared/team"), null));
            AgentImageStore.Written named = a.images.checkpoint(pid, shared, "named", CutOptions.defaults(), "root");
            assertEquals(List.of("team (named only)"), named.shared());
            AgentImageStore.Written copied = a.images.checkpoint(pid, shared, "copied", new CutOptions(30_000, false, true), "root");
            assertEquals(List.of("team (copied)"), copied.shared());

            AgentImageStore.Restored r = b.images.restore(shared, "copied", RestoreSpec.byOperator(ROOT, null, null, false));
            assertEquals(List.of("team"), r.sharedMade());
            var there = b.kernel.mem.manager();
            assertEquals("ship it", there.get(org.agentos.kernel.api.memory.MemCaller.kernel(), "shared/team", "goal").json().asText());
            assertEquals(Set.of("bob"), there.space("shared/team").orElseThrow().members(), "its spec came along");
            // here it exists now: a second restore leaves it as it is
            there.put(org.agentos.kernel.api.memory.MemCaller.kernel(), "shared/team", "goal",
                    org.agentos.kernel.api.memory.MemWrite.json(JSON.getNodeFactory().textNode("changed here"))).toCompletableFuture().get();
            AgentImageStore.Restored again = b.images.restore(shared, "copied", RestoreSpec.byOperator(ROOT, null, null, false));
            assertEquals(List.of(), again.sharedMade());
            assertEquals("changed here", there.get(org.agentos.kernel.api.memory.MemCaller.kernel(), "shared/team", "goal").json().asText());
            // a group copies a segment its members share once
            long other = a.kernel.spawn(new SpawnSpec("summer", Args.of("limit", 1), "alice", 0, List.of("mem:read:shared/team"), null));
            List<AgentImageStore.Written> both = a.images.checkpointGroup(List.of(pid, other), dir.resolve("shared-group"), "g",
                    new CutOptions(30_000, false, true), "root");
            assertEquals(List.of("team (copied)"), both.get(1).shared());
            JsonNode groupManifest = JSON.readTree(Files.readAllBytes(dir.resolve("shared-group").resolve("blobs/sha256/"
                    + both.get(0).manifest().digest().substring(7))));
            long sharedLayers = 0;
            for (JsonNode l : groupManifest.path("layers")) if ("shared".equals(l.path("annotations").path(MemberLayers.PART).asText())) sharedLayers++;
            assertEquals(1, sharedLayers);
            // a user restores only its own segments
            SyscallException e = assertThrows(SyscallException.class, () -> b.images.restore(shared, "copied",
                    RestoreSpec.byOperator(new ConsoleOperator("bob", Set.of("manager")), null, null, false)));
            assertEquals(Errno.EPERM, e.errno());
        }
        readByTheOciTools(shared);
        readByTheOciTools(dir.resolve("shared-group"));
    }

    @Test
    void unackedMessagesGoWithTheAgentToWhereItsQueueIs() throws Exception {
        Path held = dir.resolve("held");
        try (Installation a = new Installation(dir.resolve("a")); Installation b = new Installation(dir.resolve("b"))) {
            for (Installation i : List.of(a, b)) {
                i.kernel.ipc.create(org.agentos.kernel.api.ipc.QueueSpec.builder("jobs").capacity(10).build(), "alice");
            }
            long taker = a.kernel.spawn(new SpawnSpec("taker", Args.none(), "alice", 0, List.of("ipc:*:jobs"), null));
            a.kernel.ipc.send("jobs", Args.of("job", 1), null);
            Installation.await("holding it, unacked", () -> "proc.sleep".equals(a.kernel.procs.get(taker).callName));
            a.images.checkpoint(taker, held, "v1", new CutOptions(10_000, true), "root");
            a.kernel.kill(taker); // moved: here the message goes back to its queue, as for any receiver that ends
            AgentImageStore.Restored r = b.images.restore(held, "v1", RestoreSpec.byOperator(ROOT, null, null, false));
            assertEquals(1, r.heldPutBack(), "in flight to the copy on the installation where its queue is");
            assertEquals("acked=1 stale=[]", b.exit(r.pid()).reason(), "its ack by id finds the message");
        }
        readByTheOciTools(held);
    }

    /**
     * skopeo, the container world's own tool, reads the agent image and finds a flipped byte in it; umoci and
     * oci-image-tool read it too ({@link #readByTheOciTools}). scripts/ensure-oci-tools.sh installs the three.
     */
    @Test
    void skopeoReadsTheAgentImage() throws Exception {
        Assumptions.assumeTrue(onPath("skopeo"), "skopeo is not installed (scripts/ensure-oci-tools.sh)");
        try (Installation a = new Installation(dir.resolve("a"))) {
            checkpointed(a);
        }
        JsonNode manifest = JSON.readTree(run("skopeo", "inspect", "--raw", "oci:" + image() + ":v1"));
        assertEquals(AgentImageStore.ARTIFACT_TYPE, manifest.path("artifactType").asText(), manifest.toString());
        assertEquals(5, manifest.path("layers").size(), "state, journal, memory, files, mailbox");
        JsonNode config = JSON.readTree(run("skopeo", "inspect", "--config", "--raw", "oci:" + image() + ":v1"));
        assertEquals("summer", config.path("program").asText(), config.toString());
        assertEquals("alice", config.path("owner").asText());
        readByTheOciTools(image()); // umoci, oci-image-tool and a digest check of every blob
        // a copy by skopeo checks the digest of the config and of every layer on the way; the copy restores as well
        run("skopeo", "copy", "oci:" + image() + ":v1", "oci:" + dir.resolve("copy") + ":v1");
        try (Installation b = new Installation(dir.resolve("b"))) {
            AgentImageStore.Restored r = b.images.restore(dir.resolve("copy"), "v1", RestoreSpec.byOperator(ROOT, null, null, false));
            b.send(r.pid(), 2);
            b.send(r.pid(), 3);
            assertEquals("sum=6", b.exit(r.pid()).reason());
        }
        // a flipped byte in a layer: skopeo finds it
        Descriptor memory = layer(OciLayout.open(image(), JSON), "memory");
        Path blob = image().resolve("blobs/sha256/" + memory.digest().substring(7));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);
        String refused = fails("skopeo", "copy", "oci:" + image() + ":v1", "oci:" + dir.resolve("flipped") + ":v1");
        assertTrue(refused.contains("Digest did not match") && refused.contains(memory.digest()), refused);
    }

    /**
     * The OCI tools that are installed read the layout at {@code layout}, each of its tags: umoci lists the
     * tags; oci-image-tool validates index.json and every manifest the index names (its {@code --type image}
     * would also check the config as a container's, which an agent's is not); skopeo copies each tag,
     * checking the digest of its config and of every layer; sha256sum checks every blob, manifests as well
     * (skopeo does not check a manifest against the digest the index gives it).
     */
    private void readByTheOciTools(Path layout) throws Exception {
        JsonNode index = JSON.readTree(Files.readAllBytes(layout.resolve("index.json")));
        List<String> tags = new ArrayList<>();
        List<String> manifests = new ArrayList<>();
        for (JsonNode d : index.path("manifests")) {
            tags.add(d.path("annotations").path(OciLayout.REF_NAME).asText());
            manifests.add(d.path("digest").asText());
        }
        assertTrue(!manifests.isEmpty(), index.toString());
        if (onPath("umoci")) { // umoci unpacks container images, not artifacts: it lists the tags, nothing more
            assertEquals(Set.copyOf(tags), Set.of(run("umoci", "ls", "--layout", layout.toString()).strip().split("\\s+")));
        }
        if (onPath("oci-image-tool")) {
            String out = run("oci-image-tool", "validate", "--type", "imageIndex", layout.resolve("index.json").toString());
            assertTrue(out.contains("Validation succeeded"), out);
            for (String m : manifests) {
                out = run("oci-image-tool", "validate", "--type", "manifest", layout.resolve("blobs/sha256/" + m.substring(7)).toString());
                assertTrue(out.contains("Validation succeeded"), out);
            }
        }
        if (onPath("skopeo")) {
            Path copies = Files.createTempDirectory(dir, "skopeo-copy");
            for (String tag : tags) run("skopeo", "copy", "oci:" + layout + ":" + tag, "oci:" + copies + ":" + tag);
        }
        if (onPath("sha256sum")) {
            StringBuilder sums = new StringBuilder();
            try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
                for (Path b : blobs.sorted().toList()) sums.append(b.getFileName()).append("  ").append(b).append('\n');
            }
            Path list = Files.createTempFile(dir, "blobs", ".sha256");
            Files.writeString(list, sums);
            run("sha256sum", "--check", "--strict", "--quiet", list.toString());
        }
    }

    @Test
    void aFlippedByteOrAMissingBlobIsFoundBeforeAnythingIsRestored() throws Exception {
        try (Installation a = new Installation(dir.resolve("a"))) {
            checkpointed(a);
            OciLayout layout = OciLayout.open(image(), JSON);
            Descriptor memory = layer(layout, "memory");
            Path blob = image().resolve("blobs/sha256/" + memory.digest().substring(7));
            byte[] bytes = Files.readAllBytes(blob);
            bytes[bytes.length / 2] ^= 1;
            Files.write(blob, bytes);
            int before = a.kernel.count();
            SyscallException e = assertThrows(SyscallException.class,
                    () -> a.images.restore(image(), "v1", RestoreSpec.byOperator(ROOT, null, null, false)));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains(memory.digest()), e.getMessage());
            Files.delete(blob);
            e = assertThrows(SyscallException.class, () -> a.images.restore(image(), "v1", RestoreSpec.byOperator(ROOT, null, null, false)));
            assertEquals(Errno.ENOENT, e.errno());
            assertTrue(e.getMessage().contains(memory.digest()), e.getMessage());
            assertEquals(before, a.kernel.count(), "no process was made");
        }
    }

    @Test
    void craftedImagesAreRefused() throws Exception {
        try (Installation a = new Installation(dir.resolve("a"))) {
            checkpointed(a);
            long before = live(a);
            // a newer format
            craft(a, "newer", cfg -> cfg.put("format", 2), null, null);
            SyscallException e = refused(a, "newer", ROOT);
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("format 2"), e.getMessage());
            // more capabilities than its restorer may grant: alice grants at most her home
            craft(a, "greedy", cfg -> {
                cfg.putArray("capabilities").add("fs:*:/**").add("proc:*");
                return cfg;
            }, null, null);
            e = refused(a, "greedy", ALICE);
            assertEquals(Errno.EPERM, e.errno());
            assertTrue(e.getMessage().contains("fs:*:/**"), e.getMessage());
            // the restorer narrows it instead: -c
            AgentImageStore.Restored narrowed = a.images.restore(image(), "greedy",
                    RestoreSpec.byOperator(ALICE, null, List.of("fs:*:/home/alice/**"), true));
            assertEquals(List.of("fs:*:/home/alice/**"), a.kernel.info(narrowed.pid()).orElseThrow().capabilities());
            a.kernel.kill(narrowed.pid());
            a.exit(narrowed.pid());
            // path tricks and links in the files layer
            for (String trick : List.of("../etc/passwd", "/etc/passwd", "home/alice/../../etc/passwd", "home/alice/./x")) {
                craft(a, "trick", null, "files", tar(trick, false));
                e = refused(a, "trick", ROOT);
                assertEquals(Errno.EINVAL, e.errno(), trick);
                assertTrue(e.getMessage().contains("entry"), e.getMessage());
            }
            craft(a, "link", null, "files", tar("home/alice/link", true));
            e = refused(a, "link", ROOT);
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("link"), e.getMessage());
            // a file outside what the restored agent may write
            craft(a, "outside", null, "files", tar("home/bob/planted.txt", false));
            e = refused(a, "outside", ROOT);
            assertEquals(Errno.EPERM, e.errno());
            assertTrue(e.getMessage().contains("/home/bob/planted.txt"), e.getMessage());
            // a program this installation does not have
            craft(a, "other", cfg -> cfg.put("program", "nosuch"), "state", null);
            e = refused(a, "other", ROOT);
            assertTrue(e.errno() == Errno.ENOSYS || e.errno() == Errno.EINVAL, e.toString());
            // not an agent image at all
            OciLayout layout = OciLayout.open(image(), JSON);
            OciLayout.Manifest m = layout.manifest("v1");
            layout.putManifest("plain", "application/vnd.example.other", m.config(), m.layers(), null);
            e = refused(a, "plain", ROOT);
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("not an agent image"), e.getMessage());
            assertEquals(before, live(a), "refusals made no process");
            assertEquals("not alice's", a.read("/home/bob/other.txt"));
        }
    }

    private static long live(Installation a) {
        return a.kernel.list(10_000).stream().filter(i -> !i.state().isTerminal()).count();
    }

    private SyscallException refused(Installation a, String tag, ConsoleOperator who) {
        return assertThrows(SyscallException.class, () -> a.images.restore(image(), tag, RestoreSpec.byOperator(who, null, null, false)));
    }

    private static Descriptor layer(OciLayout layout, String part) throws SyscallException {
        return layout.manifest("v1").layers().stream().filter(d -> part.equals(d.annotations().get(MemberLayers.PART)))
                .findFirst().orElseThrow();
    }

    /** Tag {@code tag}: v1 with its config changed and/or one layer replaced by {@code bytes}, digests made to match. */
    private void craft(Installation a, String tag, UnaryOperator<ObjectNode> config, String part, byte[] bytes) throws Exception {
        OciLayout layout = OciLayout.open(image(), JSON);
        OciLayout.Manifest m = layout.manifest("v1");
        Descriptor cfg = m.config();
        if (config != null) {
            ObjectNode c = (ObjectNode) layout.json(cfg);
            cfg = layout.putBlob(cfg.mediaType(), JSON.writeValueAsBytes(config.apply(c)));
        }
        List<Descriptor> layers = new ArrayList<>();
        for (Descriptor d : m.layers()) {
            if (part != null && bytes != null && part.equals(d.annotations().get(MemberLayers.PART))) {
                Descriptor n = layout.putBlob(d.mediaType(), bytes);
                layers.add(new Descriptor(n.mediaType(), n.digest(), n.size(), null, d.annotations()));
            } else {
                layers.add(d);
            }
        }
        layout.putManifest(tag, m.artifactType(), cfg, layers, Map.of());
    }

    private static byte[] tar(String name, boolean link) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e = link ? new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK) : new TarArchiveEntry(name, true);
            byte[] body = "planted".getBytes(StandardCharsets.UTF_8);
            if (link) e.setLinkName("/etc/passwd");
            else e.setSize(body.length);
            tar.putArchiveEntry(e);
            if (!link) tar.write(body);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** Runs {@code cmd}, which must fail; returns what it said. */
    private static String fails(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor() != 0, String.join(" ", cmd) + " succeeded: " + out);
        return out;
    }
}
