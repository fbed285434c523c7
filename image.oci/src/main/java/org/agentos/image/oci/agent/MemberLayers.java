package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentos.image.oci.layout.OciLayout;
import org.agentos.image.oci.layout.OciLayout.Descriptor;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.fs.WorkspaceTrees;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.AgentImages;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.SharedImage;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The layers of one agent in an image (state, journal, memory, files, mailbox), each annotated
 * with the part it is (and, in a group, the member), written from a cut and read back checked.
 */
final class MemberLayers {
    static final String CONFIG = "application/vnd.agentos.agent.config.v1+json";
    static final String STATE = "application/vnd.agentos.agent.state.v1+json";
    static final String JOURNAL = "application/vnd.agentos.agent.journal.v1+jsonl";
    static final String MEMORY = "application/vnd.agentos.agent.memory.v1";
    static final String FILES = "application/vnd.oci.image.layer.v1.tar";
    static final String MAILBOX = "application/vnd.agentos.agent.mailbox.v1+json";
    /** The messages an agent received from named queues and had not acked: a queue layer's JSON each. */
    static final String HELD = "application/vnd.agentos.agent.held.v1+json";
    /** Annotation of a layer: which part of an agent it is. */
    static final String PART = "org.agentos.image.part";
    /** Annotation of a shared segment's layer ({@code --with-shared}): its name. */
    static final String SHARED = "org.agentos.image.shared";
    /** Annotation of a layer of a group image: the pid (at the cut) of the member it belongs to. */
    static final String MEMBER = "org.agentos.image.member";
    /** The largest state, journal or mailbox layer read (the memory and files layers are streamed). */
    static final long MAX_JSON_LAYER = 256L << 20;

    private MemberLayers() {}

    /** The files of a member's workspace at the cut, and how to read them. */
    record Workspace(FileSystem files, FsCaller reader, List<String> roots, List<WorkspaceFiles.Version> versions) {
        static Workspace none(FsCaller reader) {
            return new Workspace(null, reader, new ArrayList<>(), new ArrayList<>());
        }

        /**
         * Lists the files the image's capabilities make its workspace (while the process is held),
         * as the process sees them: a fork's are its own.
         */
        void list(ProcessImage image) throws SyscallException {
            if (files == null) return;
            roots.addAll(WorkspaceTrees.of(image.capabilities()));
            versions.addAll(WorkspaceFiles.list(files, reader, roots));
        }
    }

    /** A member's layers and its config. */
    record Written(List<Descriptor> layers, AgentConfig config) {}

    static Written write(OciLayout layout, ObjectMapper json, AgentCut cut, Workspace ws, Map<String, String> extra)
            throws SyscallException, IOException {
        ProcessImage image = cut.image();
        List<Descriptor> layers = new ArrayList<>();
        layers.add(part(layout.putBlob(STATE, json.writeValueAsBytes(image.state())), "state", extra));
        layers.add(part(layout.putBlob(JOURNAL, out -> {
            for (JsonNode r : image.journal()) {
                json.writeValue(new NonClosing(out), r);
                out.write('\n');
            }
        }), "journal", extra));
        MemoryLayer.Written[] mem = new MemoryLayer.Written[1];
        Iterator<MemoryImageEntry> entries = cut.memory();
        layers.add(part(layout.putBlob(MEMORY, out -> mem[0] = MemoryLayer.write(entries, out, json)), "memory", extra));
        if (ws.files() != null) {
            layers.add(part(layout.putBlob(FILES, out -> WorkspaceFiles.write(ws.files(), ws.reader(), ws.versions(), out)),
                    "files", extra));
        }
        ArrayNode mailbox = json.createArrayNode();
        for (Message m : image.mailbox()) mailbox.add(json.valueToTree(m));
        layers.add(part(layout.putBlob(MAILBOX, json.writeValueAsBytes(mailbox)), "mailbox", extra));
        if (!cut.held().isEmpty()) { // unacked messages it received from named queues
            ArrayNode held = json.createArrayNode();
            for (var q : cut.held()) held.add(json.readTree(QueueLayer.write(json, q)));
            layers.add(part(layout.putBlob(HELD, json.writeValueAsBytes(held)), "held", extra));
        }
        for (SharedImage s : cut.shared()) { // copied with --with-shared: a layer each, named
            Map<String, String> a = new LinkedHashMap<>(extra);
            a.put(SHARED, s.name());
            layers.add(part(layout.putBlob(MEMORY, out -> MemoryLayer.write(s.entries().iterator(), out, json)), "shared", a));
        }
        AgentConfig config = new AgentConfig(image.format(), image.pid(), image.ppid(), image.owner(), image.program(),
                image.programBundle(), image.capabilities(), image.quotas(), image.usage(), image.tools(),
                image.kernelVersion(), image.cutMillis(), Instant.ofEpochMilli(image.cutMillis()).toString(), ws.roots(),
                mem[0].entries(), mem[0].bytes(), image.mailbox().size(), image.journal().size(), ws.versions().size(),
                shared(cut));
        return new Written(layers, config);
    }

    private static Descriptor part(Descriptor d, String part, Map<String, String> extra) {
        Map<String, String> a = new LinkedHashMap<>(extra);
        a.put(PART, part);
        return new Descriptor(d.mediaType(), d.digest(), d.size(), null, a);
    }

    /** The shared segments a cut names, and whether it copied them. */
    static List<AgentConfig.SharedSegment> shared(AgentCut cut) {
        java.util.Set<String> copied = new java.util.HashSet<>();
        for (SharedImage s : cut.shared()) copied.add(s.name());
        List<AgentConfig.SharedSegment> out = new ArrayList<>();
        for (SharedImage s : cut.shared()) {
            out.add(new AgentConfig.SharedSegment(s.name(), s.owner(), s.spec().persistent(), s.spec().quotaBytes(),
                    List.copyOf(s.spec().members()), true));
        }
        for (String name : cut.sharedNames()) {
            if (!copied.contains(name)) out.add(new AgentConfig.SharedSegment(name, null, false, 0, List.of(), false));
        }
        return out;
    }

    /** Refuses a config of another format than this reads, naming it. */
    static int format(JsonNode cfg) throws SyscallException {
        int format = cfg.path("format").asInt(0);
        if (format > AgentImages.FORMAT || format < 1) {
            throw new SyscallException(Errno.EINVAL, "the image is of agent image format " + cfg.path("format")
                    + "; this Agent OS reads format " + AgentImages.FORMAT + (format > AgentImages.FORMAT ? " (restore it on a newer one)" : ""));
        }
        return format;
    }

    static AgentConfig config(ObjectMapper json, JsonNode node) throws SyscallException {
        AgentConfig cfg;
        try {
            cfg = json.treeToValue(node, AgentConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "the image's config cannot be read: " + e.getMessage());
        }
        if (cfg == null || cfg.owner() == null || cfg.program() == null) {
            throw new SyscallException(Errno.EINVAL, "the image's config names no owner or program");
        }
        return cfg;
    }

    /** The layers by part, for each member ({@code 0} for an image of one agent); a part twice, or none named, refused. */
    static Map<Long, Map<String, Descriptor>> parts(List<Descriptor> layers, boolean group) throws SyscallException {
        Map<Long, Map<String, Descriptor>> out = new LinkedHashMap<>();
        for (Descriptor d : layers) {
            String part = d.annotations().get(PART);
            if (part == null) throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is not named as a part of an agent");
            if (part.equals("queue") || part.equals("shared")) continue;
            long member = 0;
            if (group) {
                try {
                    member = Long.parseLong(String.valueOf(d.annotations().get(MEMBER)));
                } catch (NumberFormatException e) {
                    throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " names no member of the group");
                }
            }
            if (out.computeIfAbsent(member, x -> new HashMap<>()).putIfAbsent(part, d) != null) {
                throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is a second '" + part + "' part");
            }
        }
        for (var e : out.entrySet()) {
            for (String needed : List.of("state", "journal", "memory", "mailbox")) {
                if (!e.getValue().containsKey(needed)) {
                    throw new SyscallException(Errno.EINVAL, "the image has no " + needed + " layer"
                            + (group ? " for member " + e.getKey() : ""));
                }
            }
        }
        return out;
    }

    /** What the kernel keeps of a member, from its verified layers; its memory and files are streamed later. */
    static ProcessImage image(OciLayout layout, ObjectMapper json, int format, AgentConfig cfg, Map<String, Descriptor> parts)
            throws SyscallException {
        JsonNode state = jsonLayer(layout, json, parts.get("state"));
        List<JsonNode> journal = journal(layout, json, parts.get("journal"));
        List<Message> mailbox = new ArrayList<>();
        JsonNode box = jsonLayer(layout, json, parts.get("mailbox"));
        if (!box.isArray()) throw new SyscallException(Errno.EINVAL, "the mailbox layer is not a list of messages");
        for (JsonNode n : box) {
            try {
                mailbox.add(json.treeToValue(n, Message.class));
            } catch (IOException | IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "a message of the mailbox layer cannot be read: " + e.getMessage());
            }
        }
        return new ProcessImage(format, cfg.pid(), cfg.ppid(), cfg.owner(), cfg.program(), cfg.programBundle(),
                cfg.capabilities(), cfg.quotas(), cfg.usage(), cfg.tools(), cfg.kernelVersion(), cfg.cutMillis(), state, journal,
                mailbox);
    }

    static JsonNode jsonLayer(OciLayout layout, ObjectMapper json, Descriptor d) throws SyscallException {
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

    private static List<JsonNode> journal(OciLayout layout, ObjectMapper json, Descriptor d) throws SyscallException {
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
