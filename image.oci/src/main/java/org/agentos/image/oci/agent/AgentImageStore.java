package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
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
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.ipc.Message;
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
    static final String CONFIG = "application/vnd.agentos.agent.config.v1+json";
    static final String STATE = "application/vnd.agentos.agent.state.v1+json";
    static final String JOURNAL = "application/vnd.agentos.agent.journal.v1+jsonl";
    static final String MEMORY = "application/vnd.agentos.agent.memory.v1";
    static final String FILES = "application/vnd.oci.image.layer.v1.tar";
    static final String MAILBOX = "application/vnd.agentos.agent.mailbox.v1+json";
    /** Annotation of a layer: which part of the agent it is. */
    static final String PART = "org.agentos.image.part";
    /** The largest state, journal or mailbox layer read (the memory and files layers are streamed). */
    static final long MAX_JSON_LAYER = 256L << 20;

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

    /** What a checkpoint wrote. */
    public record Written(String tag, Descriptor manifest, long pid, String program, long memoryEntries, long memoryBytes,
                          long files, int mailboxMessages, int journalRecords) {}

    /**
     * Cuts {@code pid} and writes it into the image layout at {@code dir} (created, or added to)
     * as {@code tag}. {@code user} names the operator in the files' read records.
     */
    public Written checkpoint(long pid, Path dir, String tag, CutOptions options, String user) throws SyscallException {
        return write(dir, tag, FsCaller.operator(user, "agent:checkpoint"), held -> kernel.cut(pid, options, held));
    }

    /**
     * A process's image of itself, asked for from its own call: the copy restored from it is given
     * {@code resultOfCopy} as that call's result.
     */
    public Written checkpointSelf(long pid, Path dir, String tag, String owner, JsonNode resultOfCopy) throws SyscallException {
        return write(dir, tag, FsCaller.operator(owner, "proc.checkpoint"), held -> kernel.cutSelf(pid, resultOfCopy, held));
    }

    /** How a cut is made. */
    @FunctionalInterface
    private interface Cutter {
        AgentCut cut(AgentImages.WhileHeld whileHeld) throws SyscallException;
    }

    private Written write(Path dir, String tag, FsCaller reader, Cutter cutter) throws SyscallException {
        long pid = -1;
        OciLayout layout = OciLayout.create(dir, json);
        FileSystem files = fs;
        List<WorkspaceFiles.Version> versions = new ArrayList<>();
        List<String> roots = new ArrayList<>();
        try (AgentCut cut = cutter.cut(image -> {
            if (files == null) return;
            roots.addAll(WorkspaceFiles.roots(image.capabilities()));
            versions.addAll(WorkspaceFiles.list(files, reader, roots)); // while it is held: the versions of the cut
        })) {
            pid = cut.image().pid();
            ProcessImage image = cut.image();
            List<Descriptor> layers = new ArrayList<>();
            layers.add(part(layout.putBlob(STATE, json.writeValueAsBytes(image.state())), "state"));
            layers.add(part(layout.putBlob(JOURNAL, out -> {
                for (JsonNode r : image.journal()) {
                    json.writeValue(new NonClosing(out), r);
                    out.write('\n');
                }
            }), "journal"));
            MemoryLayer.Written[] mem = new MemoryLayer.Written[1];
            Iterator<MemoryImageEntry> entries = cut.memory();
            layers.add(part(layout.putBlob(MEMORY, out -> mem[0] = MemoryLayer.write(entries, out, json)), "memory"));
            if (files != null) {
                layers.add(part(layout.putBlob(FILES, out -> WorkspaceFiles.write(files, reader, versions, out)), "files"));
            }
            ArrayNode mailbox = json.createArrayNode();
            for (Message m : image.mailbox()) mailbox.add(json.valueToTree(m));
            layers.add(part(layout.putBlob(MAILBOX, json.writeValueAsBytes(mailbox)), "mailbox"));
            AgentConfig config = new AgentConfig(image.format(), image.pid(), image.ppid(), image.owner(), image.program(),
                    image.programBundle(), image.capabilities(), image.quotas(), image.usage(), image.tools(),
                    image.kernelVersion(), image.cutMillis(), Instant.ofEpochMilli(image.cutMillis()).toString(), roots,
                    mem[0].entries(), mem[0].bytes(), image.mailbox().size(), image.journal().size(), versions.size());
            Descriptor cfg = layout.putBlob(CONFIG, json.writeValueAsBytes(config));
            Map<String, String> annotations = new LinkedHashMap<>();
            annotations.put("org.opencontainers.image.created", config.created());
            annotations.put("org.opencontainers.image.title", image.program() + " (pid " + image.pid() + ")");
            Descriptor manifest = layout.putManifest(tag, ARTIFACT_TYPE, cfg, layers, annotations);
            return new Written(tag, manifest, image.pid(), image.program(), mem[0].entries(), mem[0].bytes(), versions.size(),
                    image.mailbox().size(), image.journal().size());
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot write the image of process " + (pid < 0 ? "?" : pid) + " into " + dir
                    + ": " + e.getMessage());
        } catch (IllegalStateException e) { // the memory snapshot could not be read
            throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EIO, e.getMessage());
        }
    }

    private static Descriptor part(Descriptor d, String part) {
        return new Descriptor(d.mediaType(), d.digest(), d.size(), null, Map.of(PART, part));
    }

    /** What a restore did. */
    public record Restored(long pid, long origin, String program, String owner, int filesWritten, int filesUnchanged) {}

    /**
     * Restores the image tagged {@code tag} (or the only one) in {@code dir}. Refused before
     * anything happens when the image is not one of ours, of a newer format, or a blob does not
     * match its digest; then the kernel checks program, tools and capabilities; then the files
     * are written, and the process goes on (or stays paused).
     */
    public Restored restore(Path dir, String tag, RestoreSpec spec) throws SyscallException {
        OciLayout layout = OciLayout.open(dir, json);
        OciLayout.Manifest m = layout.manifest(tag);
        if (!ARTIFACT_TYPE.equals(m.artifactType())) {
            throw new SyscallException(Errno.EINVAL, "image " + m.self().digest() + " is not an agent image (artifact type '"
                    + m.artifactType() + "', not " + ARTIFACT_TYPE + ")");
        }
        if (!CONFIG.equals(m.config().mediaType())) {
            throw new SyscallException(Errno.EINVAL, "the config of the image is of media type '" + m.config().mediaType() + "'");
        }
        JsonNode cfgNode = layout.json(m.config());
        int format = cfgNode.path("format").asInt(0);
        if (format > AgentImages.FORMAT || format < 1) {
            throw new SyscallException(Errno.EINVAL, "the image is of agent image format " + cfgNode.path("format")
                    + "; this Agent OS reads format " + AgentImages.FORMAT + (format > AgentImages.FORMAT ? " (restore it on a newer one)" : ""));
        }
        AgentConfig cfg;
        try {
            cfg = json.treeToValue(cfgNode, AgentConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "the image's config cannot be read: " + e.getMessage());
        }
        if (cfg.owner() == null || cfg.program() == null) throw new SyscallException(Errno.EINVAL, "the image's config names no owner or program");
        Map<String, Descriptor> parts = new LinkedHashMap<>();
        for (Descriptor d : m.layers()) {
            String part = d.annotations().get(PART);
            if (part == null || parts.putIfAbsent(part, d) != null) {
                throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is " + (part == null ? "not named as a part of an agent"
                        : "a second '" + part + "' part"));
            }
        }
        for (String needed : List.of("state", "journal", "memory", "mailbox")) {
            if (!parts.containsKey(needed)) throw new SyscallException(Errno.EINVAL, "the image has no " + needed + " layer");
        }
        for (Descriptor d : m.layers()) layout.verify(d); // every blob, before anything is restored
        JsonNode state = jsonLayer(layout, parts.get("state"));
        List<JsonNode> journal = journal(layout, parts.get("journal"));
        List<Message> mailbox = new ArrayList<>();
        JsonNode box = jsonLayer(layout, parts.get("mailbox"));
        if (!box.isArray()) throw new SyscallException(Errno.EINVAL, "the mailbox layer is not a list of messages");
        for (JsonNode n : box) {
            try {
                mailbox.add(json.treeToValue(n, Message.class));
            } catch (IOException | IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "a message of the mailbox layer cannot be read: " + e.getMessage());
            }
        }
        ProcessImage image = new ProcessImage(format, cfg.pid(), cfg.ppid(), cfg.owner(), cfg.program(), cfg.programBundle(),
                cfg.capabilities(), cfg.quotas(), cfg.usage(), cfg.tools(), cfg.kernelVersion(), cfg.cutMillis(), state, journal,
                mailbox);
        Descriptor filesLayer = parts.get("files");
        FileSystem files = fs;
        List<String> granted = spec.capabilities() != null ? spec.capabilities() : image.capabilities();
        if (filesLayer != null) {
            try (InputStream in = layout.open(filesLayer)) {
                List<String> paths = WorkspaceFiles.check(in, CapabilitySet.of(granted), filesLayer.digest());
                if (!paths.isEmpty() && files == null) {
                    throw new SyscallException(Errno.ENOSYS, "the image holds " + paths.size() + " files and no filesystem is "
                            + "installed (feature:install agentos-vfs)");
                }
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, e.getMessage());
            }
        }
        Descriptor memoryLayer = parts.get("memory");
        long pid;
        try (InputStream memIn = layout.open(memoryLayer)) {
            Iterator<MemoryImageEntry> entries = MemoryLayer.read(memIn, json, memoryLayer.digest());
            RestoreSpec held = new RestoreSpec(spec.operator(), spec.parentPid(), spec.owner(), spec.capabilities(), true);
            pid = kernel.restore(image, () -> entries, held);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, e.getMessage());
        } catch (IllegalStateException e) {
            throw e.getCause() instanceof SyscallException se ? se : new SyscallException(Errno.EINVAL, e.getMessage());
        }
        WorkspaceFiles.Restored r = new WorkspaceFiles.Restored(0, 0);
        if (filesLayer != null && files != null) {
            String user = spec.operator() != null ? spec.operator().name()
                    : processes.info(spec.parentPid()).map(i -> i.owner()).orElse(image.owner());
            CapabilitySet caps = CapabilitySet.of(granted);
            FsCaller writer = FsCaller.consoleUser(user, "agent:restore", caps::permits);
            try (InputStream in = layout.open(filesLayer)) {
                r = WorkspaceFiles.restore(files, writer, in, filesLayer.digest());
            } catch (SyscallException | IOException e) {
                processes.kill(pid); // it never ran: its files could not be put back
                throw e instanceof SyscallException se ? se : new SyscallException(Errno.EIO, e.getMessage());
            }
        }
        if (!spec.paused()) processes.resume(pid);
        return new Restored(pid, image.pid(), image.program(), spec.owner() != null ? spec.owner() : image.owner(),
                r.written(), r.unchanged());
    }

    private JsonNode jsonLayer(OciLayout layout, Descriptor d) throws SyscallException {
        if (d.size() > MAX_JSON_LAYER) throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " of " + d.size() + " bytes (at most "
                + MAX_JSON_LAYER + ")");
        try (InputStream in = layout.open(d)) {
            JsonNode n = json.readTree(in);
            if (n == null) throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is empty");
            return n;
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is not JSON: " + e.getMessage());
        }
    }

    private List<JsonNode> journal(OciLayout layout, Descriptor d) throws SyscallException {
        if (d.size() > MAX_JSON_LAYER) throw new SyscallException(Errno.EINVAL, "journal layer " + d.digest() + " of " + d.size()
                + " bytes (at most " + MAX_JSON_LAYER + ")");
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(layout.open(d), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode n = json.readTree(line);
                if (n == null || !n.isObject()) throw new SyscallException(Errno.EINVAL, "journal layer " + d.digest() + " holds a line that is no record");
                out.add(n);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "journal layer " + d.digest() + " is not JSON lines: " + e.getMessage());
        }
        return out;
    }

    /** Jackson closes the stream it writes a value to; the blob's stream stays open for the next. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
