package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentos.image.oci.layout.OciLayout;
import org.agentos.image.oci.layout.OciLayout.Descriptor;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.AgentImages;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.GroupCut;
import org.agentos.kernel.api.image.MemberImage;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.image.SharedImage;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Agents as OCI image layouts: {@link #checkpoint} writes an agent the kernel cuts, with the
 * files of its workspace, as a manifest of artifact type {@value #ARTIFACT_TYPE}; {@link #restore}
 * reads one back (every blob's digest checked before anything is restored) and hands it to the
 * kernel, which holds the new process to what its restorer may grant.
 */
@Component(service = AgentImageStore.class)
@RequiresPermission({KernelPermission.KERNEL_ADMIN, KernelPermission.FS_ADMIN})
public class AgentImageStore {
    public static final String ARTIFACT_TYPE = "application/vnd.agentos.agent.v1";
    /** A group of agents cut together, with the queues between them. */
    public static final String GROUP_ARTIFACT_TYPE = "application/vnd.agentos.agent-group.v1";
    static final String GROUP_CONFIG = "application/vnd.agentos.agent-group.config.v1+json";
    static final String PART = MemberLayers.PART;

    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Reference
    AgentImages kernel;

    @Reference
    ProcessManager processes;

    /** The VFS, when one is installed: without it an image has no files layer. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FileSystem fs;

    /** Where agents keep their images ({@code proc.checkpoint}): a layout per owner and name. */
    private volatile Path agentImages = Path.of("data", "agentos", "images");

    public AgentImageStore() {}

    @Activate
    void activate(BundleContext context) {
        String data = context.getProperty("karaf.data");
        agentImages = Path.of(data == null ? "data" : data, "agentos", "images").toAbsolutePath();
    }

    /** For tests: where agents keep their images. */
    public void setAgentImages(Path dir) {
        agentImages = dir;
    }

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * The layout where {@code owner}'s agents keep the image {@code name}: under the data directory,
     * one directory per owner, so that an agent reaches its owner's images only.
     */
    public Path agentImage(String owner, String name) throws SyscallException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SyscallException(Errno.EINVAL, "image name '" + name + "': letters, digits, '.', '_', '-', at most 64, "
                    + "starting with a letter or digit");
        }
        if (!org.agentos.kernel.api.security.OwnerNames.isValid(owner)) {
            throw new SyscallException(Errno.EINVAL, "owner '" + owner + "' cannot name a directory");
        }
        return agentImages.resolve(owner).resolve(name);
    }

    /** For tests: the kernel's images and processes, and a filesystem (may be null). */
    public AgentImageStore(AgentImages kernel, ProcessManager processes, FileSystem fs) {
        this.kernel = kernel;
        this.processes = processes;
        this.fs = fs;
    }

    /** What a checkpoint wrote: one agent's, or each member's of a group. */
    public record Written(String tag, Descriptor manifest, long pid, String program, long memoryEntries, long memoryBytes,
                          long files, int mailboxMessages, int journalRecords, List<String> queues, List<String> shared) {
        static Written of(String tag, Descriptor manifest, AgentConfig c, List<String> queues) {
            List<String> shared = new ArrayList<>();
            if (c.shared() != null) {
                for (AgentConfig.SharedSegment s : c.shared()) shared.add(s.name() + (s.copied() ? " (copied)" : " (named only)"));
            }
            return new Written(tag, manifest, c.pid(), c.program(), c.memoryEntries(), c.memoryBytes(), c.files(),
                    c.mailboxMessages(), c.journalRecords(), queues, shared);
        }
    }

    /**
     * Cuts {@code pid} and writes it into the image layout at {@code dir} (created, or added to)
     * as {@code tag}. {@code user} names the operator in the files' read records.
     */
    public Written checkpoint(long pid, Path dir, String tag, CutOptions options, String user) throws SyscallException {
        return write(dir, tag, FsCaller.operator(user, "agent:checkpoint").viewing(pid), held -> kernel.cut(pid, options, held));
    }

    /**
     * A process's image of itself, asked for from its own call: the copy restored from it is given
     * {@code resultOfCopy} as that call's result.
     */
    public Written checkpointSelf(long pid, Path dir, String tag, String owner, JsonNode resultOfCopy) throws SyscallException {
        return write(dir, tag, FsCaller.operator(owner, "proc.checkpoint").viewing(pid), held -> kernel.cutSelf(pid, resultOfCopy, held));
    }

    /** How a cut is made. */
    @FunctionalInterface
    private interface Cutter {
        AgentCut cut(AgentImages.WhileHeld whileHeld) throws SyscallException;
    }

    private Written write(Path dir, String tag, FsCaller reader, Cutter cutter) throws SyscallException {
        OciLayout layout = OciLayout.create(dir, json);
        MemberLayers.Workspace ws = new MemberLayers.Workspace(fs, reader, new ArrayList<>(), new ArrayList<>());
        try (AgentCut cut = cutter.cut(ws::list)) { // the files are listed while it is held: the versions of the cut
            MemberLayers.Written w = MemberLayers.write(layout, json, cut, ws, Map.of());
            Descriptor cfg = layout.putBlob(MemberLayers.CONFIG, json.writeValueAsBytes(w.config()));
            Descriptor manifest = layout.putManifest(tag, ARTIFACT_TYPE, cfg, w.layers(),
                    annotations(w.config().created(), w.config().program() + " (pid " + w.config().pid() + ")"));
            return Written.of(tag, manifest, w.config(), List.of());
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write the image into " + dir + ": " + e.getMessage());
        } catch (IllegalStateException e) { // the memory snapshot could not be read
            throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EIO, e.getMessage());
        }
    }

    /**
     * Cuts {@code pids} together (one moment for all, with the named queues they may use) and
     * writes them as one group image: each member's layers annotated with its pid, a layer per queue.
     * Returns what was written for each member, in order.
     */
    public List<Written> checkpointGroup(List<Long> pids, Path dir, String tag, CutOptions options, String user)
            throws SyscallException {
        OciLayout layout = OciLayout.create(dir, json);
        FsCaller reader = FsCaller.operator(user, "agent:checkpoint");
        Map<Long, MemberLayers.Workspace> spaces = new LinkedHashMap<>();
        try (GroupCut group = kernel.cutGroup(pids, options, image -> {
            MemberLayers.Workspace ws = new MemberLayers.Workspace(fs, reader.viewing(image.pid()), new ArrayList<>(),
                    new ArrayList<>());
            ws.list(image);
            spaces.put(image.pid(), ws);
        })) {
            List<AgentCut> cuts = new ArrayList<>(group.members());
            cuts.sort(java.util.Comparator.comparingLong(c -> c.image().pid())); // parents first, as a restore makes them
            GroupLayers.Written w = GroupLayers.write(layout, json, cuts, spaces);
            List<Descriptor> layers = new ArrayList<>(w.layers());
            List<AgentConfig> configs = w.configs();
            List<String> queues = new ArrayList<>();
            ArrayNode queueList = json.createArrayNode();
            for (QueueImage q : group.queues()) {
                Descriptor d = layout.putBlob(QueueLayer.MEDIA_TYPE, QueueLayer.write(json, q));
                layers.add(new Descriptor(d.mediaType(), d.digest(), d.size(), null,
                        Map.of(PART, "queue", QueueLayer.QUEUE, q.spec().name())));
                queues.add(q.spec().name());
                queueList.addObject().put("name", q.spec().name()).put("owner", q.owner()).put("messages", q.messages().size());
            }
            ObjectNode cfg = json.createObjectNode().put("format", AgentImages.FORMAT)
                    .put("created", configs.get(0).created());
            cfg.set("members", json.valueToTree(configs));
            cfg.set("queues", queueList);
            Descriptor cfgBlob = layout.putBlob(GROUP_CONFIG, json.writeValueAsBytes(cfg));
            Descriptor manifest = layout.putManifest(tag, GROUP_ARTIFACT_TYPE, cfgBlob, layers,
                    annotations(configs.get(0).created(), "a group of " + configs.size() + " agents"));
            List<Written> out = new ArrayList<>();
            for (AgentConfig c : configs) out.add(Written.of(tag, manifest, c, queues));
            return out;
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write the group image into " + dir + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EIO, e.getMessage());
        }
    }

    private static Map<String, String> annotations(String created, String title) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("org.opencontainers.image.created", created);
        a.put("org.opencontainers.image.title", title);
        return a;
    }

    /** A tagged image of a layout, as agent:images lists it. */
    public record Listed(String tag, boolean group, List<String> programs, List<Long> origins, List<String> owners,
                         String created, long bytes, String digest) {}

    /** The images of the layout at {@code dir}, by tag (a tag whose manifest is not an agent's is listed with no program). */
    public List<Listed> list(Path dir) throws SyscallException {
        OciLayout layout = OciLayout.open(dir, json);
        List<Listed> out = new ArrayList<>();
        for (String tag : layout.tags()) {
            OciLayout.Manifest m = layout.manifest(tag);
            boolean group = GROUP_ARTIFACT_TYPE.equals(m.artifactType());
            long bytes = m.config().size();
            for (Descriptor d : m.layers()) bytes += d.size();
            List<String> programs = new ArrayList<>();
            List<Long> origins = new ArrayList<>();
            java.util.TreeSet<String> owners = new java.util.TreeSet<>();
            String created = null;
            if (group || ARTIFACT_TYPE.equals(m.artifactType())) {
                JsonNode cfg = layout.json(m.config());
                created = cfg.path("created").asText(null);
                for (JsonNode c : group ? cfg.path("members") : List.of(cfg)) {
                    programs.add(c.path("program").asText("?"));
                    origins.add(c.path("pid").asLong());
                    owners.add(c.path("owner").asText("?"));
                }
            }
            out.add(new Listed(tag, group, programs, origins, List.copyOf(owners), created, bytes, m.self().digest()));
        }
        return out;
    }

    /** What a restore did, for each agent; {@code sharedMade}: the shared segments it made here. */
    public record Restored(long pid, long origin, String program, String owner, int filesWritten, int filesUnchanged,
                           List<String> sharedMade, int heldPutBack) {}

    /** Restores an image of one agent ({@link #restoreAll} for a group image too). */
    public Restored restore(Path dir, String tag, RestoreSpec spec) throws SyscallException {
        OciLayout layout = OciLayout.open(dir, json);
        OciLayout.Manifest m = layout.manifest(tag);
        if (GROUP_ARTIFACT_TYPE.equals(m.artifactType())) {
            throw new SyscallException(Errno.EINVAL, "image " + m.self().digest() + " is a group of agents: agent:restore restores it");
        }
        return restoreAll(dir, tag, spec).get(0);
    }

    /**
     * Restores the image tagged {@code tag} (or the only one) in {@code dir}: one agent, or a group
     * with its queues. Refused before anything happens when the image is not one of ours, of a newer
     * format, a blob does not match its digest, or a files layer holds what it may not; then the
     * kernel checks programs, tools and capabilities; then the files are written, and the agents go
     * on together (or stay paused).
     */
    public List<Restored> restoreAll(Path dir, String tag, RestoreSpec spec) throws SyscallException {
        OciLayout layout = OciLayout.open(dir, json);
        OciLayout.Manifest m = layout.manifest(tag);
        boolean group = GROUP_ARTIFACT_TYPE.equals(m.artifactType());
        if (!group && !ARTIFACT_TYPE.equals(m.artifactType())) {
            throw new SyscallException(Errno.EINVAL, "image " + m.self().digest() + " is not an agent image (artifact type '"
                    + m.artifactType() + "', not " + ARTIFACT_TYPE + ")");
        }
        String configType = group ? GROUP_CONFIG : MemberLayers.CONFIG;
        if (!configType.equals(m.config().mediaType())) {
            throw new SyscallException(Errno.EINVAL, "the config of the image is of media type '" + m.config().mediaType() + "'");
        }
        JsonNode cfgNode = layout.json(m.config());
        int format = MemberLayers.format(cfgNode);
        List<AgentConfig> configs = new ArrayList<>();
        if (group) {
            if (!cfgNode.path("members").isArray() || cfgNode.path("members").isEmpty()) {
                throw new SyscallException(Errno.EINVAL, "the group image names no member");
            }
            for (JsonNode c : cfgNode.path("members")) configs.add(MemberLayers.config(json, c));
        } else {
            configs.add(MemberLayers.config(json, cfgNode));
        }
        Map<Long, Map<String, Descriptor>> parts = group ? null : MemberLayers.parts(m.layers(), false);
        GroupLayers.Parts groupParts = group ? GroupLayers.parts(m.layers()) : null;
        for (Descriptor d : m.layers()) layout.verify(d); // every blob, before anything is restored
        List<ProcessImage> images;
        Map<Long, Descriptor> filesLayers = new HashMap<>();
        Descriptor memoryLayer;
        if (group) {
            images = GroupLayers.images(layout, json, format, configs, groupParts);
            GroupLayers.checkMemory(layout, json, groupParts.memory(), configs);
            filesLayers.putAll(groupParts.files());
            memoryLayer = groupParts.memory();
        } else {
            images = List.of(MemberLayers.image(layout, json, format, configs.get(0), parts.get(0L)));
            if (parts.get(0L).get("files") != null) filesLayers.put(configs.get(0).pid(), parts.get(0L).get("files"));
            memoryLayer = parts.get(0L).get("memory");
        }
        List<QueueImage> queues = new ArrayList<>();
        for (Descriptor d : m.layers()) {
            if ("queue".equals(d.annotations().get(PART))) queues.add(QueueLayer.read(json, MemberLayers.jsonLayer(layout, json, d), d.digest()));
        }
        FileSystem files = fs;
        for (ProcessImage image : images) {
            Descriptor filesLayer = filesLayers.get(image.pid());
            if (filesLayer == null) continue;
            try (InputStream in = layout.open(filesLayer)) {
                List<String> paths = WorkspaceFiles.check(in, CapabilitySet.of(granted(spec, image)), filesLayer.digest());
                if (!paths.isEmpty() && files == null) {
                    throw new SyscallException(Errno.ENOSYS, "the image holds " + paths.size() + " files and no filesystem is "
                            + "installed (feature:install agentos-vfs)");
                }
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, e.getMessage());
            }
        }
        // the kernel's part: every member paused, memory streamed from its layer
        RestoreSpec held = new RestoreSpec(spec.operator(), spec.parentPid(), spec.owner(), spec.capabilities(), true);
        List<Long> pids;
        try (InputStream memIn = layout.open(memoryLayer)) {
            GroupLayers.SharedMemory memory = new GroupLayers.SharedMemory(MemoryLayer.readTagged(memIn, json, memoryLayer.digest()));
            List<MemberImage> members = new ArrayList<>();
            for (ProcessImage image : images) members.add(new MemberImage(image, memory.of(group ? image.pid() : 0L)));
            pids = group ? kernel.restoreGroup(members, queues, held)
                    : List.of(kernel.restore(images.get(0), members.get(0).memory(), held));
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, e.getMessage());
        } catch (IllegalStateException e) {
            throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EINVAL, e.getMessage());
        }
        List<Restored> out = new ArrayList<>();
        List<String> sharedMade = new ArrayList<>();
        try {
            // shared segments copied with --with-shared, before the agents go on: made unless one of the name exists
            for (Descriptor d : m.layers()) {
                if (!"shared".equals(d.annotations().get(PART))) continue;
                String name = d.annotations().get(MemberLayers.SHARED);
                AgentConfig.SharedSegment seg = null;
                for (AgentConfig c : configs) {
                    if (c.shared() == null) continue;
                    for (AgentConfig.SharedSegment x : c.shared()) if (x.name().equals(name) && x.copied()) seg = x;
                }
                if (seg == null || seg.owner() == null) throw new SyscallException(Errno.EINVAL, "shared layer " + d.digest() + " names no segment of the config");
                List<MemoryImageEntry> entries = new ArrayList<>();
                try (InputStream in = layout.open(d)) {
                    MemoryLayer.read(in, json, d.digest()).forEachRemaining(entries::add);
                } catch (IOException e) {
                    throw new SyscallException(Errno.EIO, e.getMessage());
                } catch (IllegalStateException e) {
                    throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EINVAL, e.getMessage());
                }
                SharedImage shared = new SharedImage(seg.name(), seg.owner(),
                        new SharedSpec(seg.persistent(), seg.quotaBytes(), java.util.Set.copyOf(seg.members() == null ? List.of() : seg.members())),
                        entries);
                if (kernel.restoreShared(shared, spec)) sharedMade.add(seg.name());
            }
            for (int i = 0; i < images.size(); i++) {
                ProcessImage image = images.get(i);
                WorkspaceFiles.Restored r = new WorkspaceFiles.Restored(0, 0);
                Descriptor filesLayer = filesLayers.get(image.pid());
                if (filesLayer != null && files != null) {
                    String user = spec.operator() != null ? spec.operator().name()
                            : processes.info(spec.parentPid()).map(x -> x.owner()).orElse(image.owner());
                    CapabilitySet caps = CapabilitySet.of(granted(spec, image));
                    try (InputStream in = layout.open(filesLayer)) {
                        r = WorkspaceFiles.restore(files, FsCaller.consoleUser(user, "agent:restore", caps::permits), in, filesLayer.digest());
                    } catch (IOException e) {
                        throw new SyscallException(Errno.EIO, e.getMessage());
                    }
                }
                int heldPutBack = 0;
                Descriptor heldLayer = group ? null : parts.get(0L).get("held");
                if (heldLayer != null) { // in flight to the copy where their queues are here
                    List<QueueImage> unacked = new ArrayList<>();
                    for (JsonNode q : MemberLayers.jsonLayer(layout, json, heldLayer)) unacked.add(QueueLayer.read(json, q, heldLayer.digest()));
                    heldPutBack = kernel.restoreHeld(pids.get(i), unacked);
                }
                out.add(new Restored(pids.get(i), image.pid(), image.program(), spec.owner() != null ? spec.owner() : image.owner(),
                        r.written(), r.unchanged(), i == 0 ? List.copyOf(sharedMade) : List.of(), heldPutBack));
            }
        } catch (SyscallException | RuntimeException e) {
            for (long pid : pids) {
                try {
                    processes.kill(pid); // they never ran: their files could not be put back
                } catch (SyscallException gone) {
                    // ended already
                }
            }
            throw e;
        }
        if (!spec.paused()) {
            for (long pid : pids) processes.resume(pid);
        }
        return out;
    }

    private static List<String> granted(RestoreSpec spec, ProcessImage image) {
        return spec.capabilities() != null ? spec.capabilities() : image.capabilities();
    }
}
