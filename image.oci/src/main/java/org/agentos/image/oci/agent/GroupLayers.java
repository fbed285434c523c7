package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.agentos.image.oci.layout.OciLayout;
import org.agentos.image.oci.layout.OciLayout.Descriptor;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The layers of a group image: one layer per part for all members (states, journals, memory,
 * mailboxes; each line or entry tagged with its member's pid), a files layer per member that has
 * files, so that a group of thousands of small agents is a handful of blobs, written and read as
 * streams. Members are in ascending pid order, in the config and in every layer: a parent before
 * its children, as a restore makes them.
 */
final class GroupLayers {
    static final String STATES = "application/vnd.agentos.agent-group.states.v1+jsonl";
    static final String JOURNALS = "application/vnd.agentos.agent-group.journals.v1+jsonl";
    static final String MAILBOXES = "application/vnd.agentos.agent-group.mailboxes.v1+jsonl";

    private GroupLayers() {}

    /** The layers and each member's config, in the members' order. */
    record Written(List<Descriptor> layers, List<AgentConfig> configs) {}

    static Written write(OciLayout layout, ObjectMapper json, List<AgentCut> cuts, Map<Long, MemberLayers.Workspace> spaces)
            throws SyscallException, IOException {
        List<Descriptor> layers = new ArrayList<>();
        layers.add(part(layout.putBlob(STATES, out -> lines(out, json, cuts, c -> List.of(c.image().state()), "state")), "states"));
        layers.add(part(layout.putBlob(JOURNALS, out -> lines(out, json, cuts, c -> c.image().journal(), "record")), "journals"));
        layers.add(part(layout.putBlob(MAILBOXES, out -> lines(out, json, cuts,
                c -> c.image().mailbox().stream().map(m -> (JsonNode) json.valueToTree(m)).toList(), "message")), "mailboxes"));
        List<Long> members = new ArrayList<>();
        List<Iterator<MemoryImageEntry>> entries = new ArrayList<>();
        for (AgentCut c : cuts) {
            members.add(c.image().pid());
            entries.add(c.memory());
        }
        List<List<MemoryLayer.Written>> mem = new ArrayList<>();
        layers.add(part(layout.putBlob(MemberLayers.MEMORY, out -> mem.add(MemoryLayer.writeMembers(members, entries, out, json))),
                "memory"));
        java.util.Set<String> sharedWritten = new java.util.HashSet<>();
        for (AgentCut c : cuts) { // copied with --with-shared: a layer each, once though several members use it
            for (var seg : c.shared()) {
                if (!sharedWritten.add(seg.name())) continue;
                Descriptor d = layout.putBlob(MemberLayers.MEMORY, out -> MemoryLayer.write(seg.entries().iterator(), out, json));
                layers.add(new Descriptor(d.mediaType(), d.digest(), d.size(), null,
                        Map.of(MemberLayers.PART, "shared", MemberLayers.SHARED, seg.name())));
            }
        }
        List<AgentConfig> configs = new ArrayList<>();
        for (int i = 0; i < cuts.size(); i++) {
            ProcessImage image = cuts.get(i).image();
            MemberLayers.Workspace ws = spaces.get(image.pid());
            if (ws != null && ws.files() != null && !ws.versions().isEmpty()) {
                Descriptor d = layout.putBlob(MemberLayers.FILES, out -> WorkspaceFiles.write(ws.files(), ws.reader(), ws.versions(), out));
                layers.add(new Descriptor(d.mediaType(), d.digest(), d.size(), null,
                        Map.of(MemberLayers.PART, "files", MemberLayers.MEMBER, Long.toString(image.pid()))));
            }
            MemoryLayer.Written m = mem.get(0).get(i);
            configs.add(new AgentConfig(image.format(), image.pid(), image.ppid(), image.owner(), image.program(),
                    image.programBundle(), image.capabilities(), image.quotas(), image.usage(), image.tools(),
                    image.kernelVersion(), image.cutMillis(), Instant.ofEpochMilli(image.cutMillis()).toString(),
                    ws == null ? List.of() : ws.roots(), m.entries(), m.bytes(), image.mailbox().size(), image.journal().size(),
                    ws == null ? 0 : ws.versions().size(), MemberLayers.shared(cuts.get(i))));
        }
        return new Written(layers, configs);
    }

    private interface Items {
        List<JsonNode> of(AgentCut c);
    }

    private static void lines(OutputStream out, ObjectMapper json, List<AgentCut> cuts, Items items, String field) throws IOException {
        for (AgentCut c : cuts) {
            for (JsonNode item : items.of(c)) {
                ObjectNode line = json.createObjectNode().put("member", c.image().pid());
                line.set(field, item);
                out.write(json.writeValueAsBytes(line));
                out.write('\n');
            }
        }
    }

    private static Descriptor part(Descriptor d, String part) {
        return new Descriptor(d.mediaType(), d.digest(), d.size(), null, Map.of(MemberLayers.PART, part));
    }

    // ------------------------------------------------------------------ reading

    /** The group's layers by part; files layers by member. */
    record Parts(Descriptor states, Descriptor journals, Descriptor mailboxes, Descriptor memory, Map<Long, Descriptor> files) {}

    static Parts parts(List<Descriptor> layers) throws SyscallException {
        Map<String, Descriptor> one = new HashMap<>();
        Map<Long, Descriptor> files = new HashMap<>();
        for (Descriptor d : layers) {
            String part = d.annotations().get(MemberLayers.PART);
            if (part == null) throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is not named as a part of a group");
            if (part.equals("queue") || part.equals("shared")) continue;
            if (part.equals("files")) {
                long member;
                try {
                    member = Long.parseLong(String.valueOf(d.annotations().get(MemberLayers.MEMBER)));
                } catch (NumberFormatException e) {
                    throw new SyscallException(Errno.EINVAL, "files layer " + d.digest() + " names no member of the group");
                }
                if (files.putIfAbsent(member, d) != null) throw new SyscallException(Errno.EINVAL, "member " + member + " has two files layers");
                continue;
            }
            if (one.putIfAbsent(part, d) != null) throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is a second '" + part + "' part");
        }
        for (String needed : List.of("states", "journals", "mailboxes", "memory")) {
            if (!one.containsKey(needed)) throw new SyscallException(Errno.EINVAL, "the group image has no " + needed + " layer");
        }
        return new Parts(one.get("states"), one.get("journals"), one.get("mailboxes"), one.get("memory"), files);
    }

    /** Each member's image, in the order of {@code configs}, from the group's state, journal and mailbox layers. */
    static List<ProcessImage> images(OciLayout layout, ObjectMapper json, int format, List<AgentConfig> configs, Parts parts)
            throws SyscallException {
        Map<Long, AgentConfig> byPid = new LinkedHashMap<>();
        long last = Long.MIN_VALUE;
        for (AgentConfig c : configs) {
            if (c.pid() <= last) throw new SyscallException(Errno.EINVAL, "the group's members are not in ascending pid order");
            last = c.pid();
            byPid.put(c.pid(), c);
        }
        Map<Long, List<JsonNode>> states = lines(layout, json, parts.states(), "state", byPid);
        Map<Long, List<JsonNode>> journals = lines(layout, json, parts.journals(), "record", byPid);
        Map<Long, List<JsonNode>> mailboxes = lines(layout, json, parts.mailboxes(), "message", byPid);
        for (long member : parts.files().keySet()) {
            if (!byPid.containsKey(member)) throw new SyscallException(Errno.EINVAL, "a files layer names " + member + ", no member of the group");
        }
        List<ProcessImage> out = new ArrayList<>();
        for (AgentConfig c : configs) {
            List<JsonNode> state = states.getOrDefault(c.pid(), List.of());
            if (state.size() != 1) throw new SyscallException(Errno.EINVAL, "member " + c.pid() + " has " + state.size() + " states in the image");
            List<Message> mailbox = new ArrayList<>();
            for (JsonNode m : mailboxes.getOrDefault(c.pid(), List.of())) {
                try {
                    mailbox.add(json.treeToValue(m, Message.class));
                } catch (IOException | IllegalArgumentException e) {
                    throw new SyscallException(Errno.EINVAL, "a message of member " + c.pid() + "'s mailbox cannot be read: " + e.getMessage());
                }
            }
            out.add(new ProcessImage(format, c.pid(), c.ppid(), c.owner(), c.program(), c.programBundle(), c.capabilities(),
                    c.quotas(), c.usage(), c.tools(), c.kernelVersion(), c.cutMillis(), state.get(0),
                    journals.getOrDefault(c.pid(), List.of()), mailbox));
        }
        return out;
    }

    private static Map<Long, List<JsonNode>> lines(OciLayout layout, ObjectMapper json, Descriptor d, String field,
                                                   Map<Long, AgentConfig> members) throws SyscallException {
        if (d.size() > MemberLayers.MAX_JSON_LAYER * 4) {
            throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " of " + d.size() + " bytes is too large");
        }
        Map<Long, List<JsonNode>> out = new HashMap<>();
        // one JSON value after another (Jackson's reader over the bytes: no line splitting, no char decoding)
        try (InputStream raw = layout.open(d);
             com.fasterxml.jackson.databind.MappingIterator<JsonNode> it = json.readerFor(JsonNode.class).readValues(raw)) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n == null || !n.path("member").canConvertToLong() || !n.has(field)) {
                    throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " holds a line that is no member's " + field);
                }
                long member = n.get("member").asLong();
                if (!members.containsKey(member)) {
                    throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " names " + member + ", no member of the group");
                }
                out.computeIfAbsent(member, x -> new ArrayList<>()).add(n.get(field));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof RuntimeException r && !(r instanceof com.fasterxml.jackson.databind.RuntimeJsonMappingException)) throw r;
            throw new SyscallException(Errno.EINVAL, "layer " + d.digest() + " is not JSON lines: " + e.getMessage());
        }
        return out;
    }

    /**
     * Checks the memory layer's entries name members in ascending order (as the members are
     * restored), before anything is restored.
     */
    static void checkMemory(OciLayout layout, ObjectMapper json, Descriptor d, List<AgentConfig> configs) throws SyscallException {
        java.util.Set<Long> pids = new java.util.HashSet<>();
        for (AgentConfig c : configs) pids.add(c.pid());
        try (InputStream in = layout.open(d)) {
            long last = Long.MIN_VALUE;
            for (long m : MemoryLayer.members(in, json, d.digest())) {
                if (!pids.contains(m) || m < last) {
                    throw new SyscallException(Errno.EINVAL, "memory layer " + d.digest() + " has an entry of " + m
                            + (pids.contains(m) ? " out of order" : ", no member of the group"));
                }
                last = m;
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, e.getMessage());
        }
    }

    /** One pass over a group's memory layer, handing each member its entries as it is restored (in ascending pid order). */
    static final class SharedMemory {
        private final Iterator<MemoryLayer.Tagged> entries;
        private MemoryLayer.Tagged peeked;

        SharedMemory(Iterator<MemoryLayer.Tagged> entries) {
            this.entries = entries;
        }

        Iterable<MemoryImageEntry> of(long member) {
            return () -> new Iterator<>() {
                @Override
                public boolean hasNext() {
                    if (peeked == null && entries.hasNext()) peeked = entries.next();
                    return peeked != null && peeked.member() == member;
                }

                @Override
                public MemoryImageEntry next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    MemoryImageEntry e = peeked.entry();
                    peeked = null;
                    return e;
                }
            };
        }
    }
}
