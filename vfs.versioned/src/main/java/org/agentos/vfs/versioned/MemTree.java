package org.agentos.vfs.versioned;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The read-only {@code /mem} tree, made from a {@link MemoryManager} on every call (nothing is
 * cached): {@code /mem/system}, {@code /mem/user/<pid>} and {@code /mem/shared/<name>} are the
 * spaces, their keys the files (named by {@link MemNames}). A file reads as its value: a JSON
 * document as pretty JSON text, a blob as its bytes, a paged-out working entry as its summary.
 *
 * <p>The filesystem has checked {@code fs:read} on the path; the manager then checks its own rule
 * ({@code mem:read:<space>}) for the caller as a {@link MemCaller}. Only the current value is
 * there: version 0 or the entry's own version reads it, and its history is that one version.
 */
final class MemTree {
    static final String READ_ONLY = "/mem is read-only: use the mem.* system calls";
    static final String NO_MANAGER = "no memory manager is bound";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int PAGE = 1000;

    private MemTree() {}

    /** Where a /mem path points: {@code /mem} itself, {@code /mem/user} or {@code /mem/shared}, a space or a key. */
    private record Node(String path, String group, String space, String key) {
        boolean directory() {
            return key == null;
        }
    }

    /** {@code /mem/...} taken apart; ENOENT for what cannot be there. */
    private static Node parse(String p) throws SyscallException {
        String rest = p.substring("/mem".length());
        String[] s = rest.isEmpty() ? new String[0] : rest.substring(1).split("/");
        if (s.length == 0) return new Node(p, null, null, null);
        switch (s[0]) {
            case "system" -> {
                if (s.length <= 2) return new Node(p, null, "system", s.length == 2 ? key(p, s[1]) : null);
            }
            case "user", "shared" -> {
                if (s.length == 1) return new Node(p, s[0], null, null);
                String name = s[0].equals("user") ? s[1] : MemNames.decode(s[1]);
                if (name == null) throw new SyscallException(Errno.ENOENT, "no space " + p + " (not a name /mem gives a space)");
                String space = s[0] + "/" + name;
                try {
                    SpaceKind.of(space);
                } catch (IllegalArgumentException e) {
                    throw new SyscallException(Errno.ENOENT, "no space " + p + ": " + e.getMessage());
                }
                if (s.length <= 3) return new Node(p, null, space, s.length == 3 ? key(p, s[2]) : null);
            }
            default -> throw new SyscallException(Errno.ENOENT, "no file " + p + " (/mem has system, user/<pid>, shared/<name>)");
        }
        throw new SyscallException(Errno.ENOENT, "no file " + p + " (/mem/<space>/<key>: a key's '/' is written %2F)");
    }

    private static String key(String p, String name) throws SyscallException {
        String key = MemNames.decode(name);
        if (key == null) throw new SyscallException(Errno.ENOENT, "no key named " + p + " (not a name /mem gives a key)");
        return key;
    }

    /** The directory of a space. */
    private static String spacePath(String space) {
        if (space.startsWith("shared/")) return "/mem/shared/" + MemNames.encode(space.substring("shared/".length()));
        return "/mem/" + space;
    }

    /**
     * The manager's caller for a filesystem caller: the console's operator (pid 0, every
     * permission) stays an operator, a process stays itself with its own capabilities.
     */
    static MemCaller caller(FsCaller c) {
        return c.pid() <= 0 ? MemCaller.operator(c.owner()) : MemCaller.process(c.pid(), c.owner(), c::permits);
    }

    private static SyscallException unbound(String p) {
        return new SyscallException(Errno.ENOENT, "no file " + p + ": " + NO_MANAGER);
    }

    static FileInfo stat(MemoryManager m, FsCaller c, String p) throws SyscallException {
        Node n = parse(p);
        if (n.space() == null && n.group() == null) return FileInfo.directory(p); // /mem is there, bound or not
        if (m == null) throw unbound(p);
        if (n.group() != null) return FileInfo.directory(p);
        SpaceInfo space = m.space(n.space()).orElseThrow(() -> new SyscallException(Errno.ENOENT, "no space " + n.space()));
        if (n.directory()) return FileInfo.directory(p);
        return file(p, entry(m, c, n), space.owner());
    }

    static List<FileInfo> list(MemoryManager m, FsCaller c, String p) throws SyscallException {
        Node n = parse(p);
        List<FileInfo> out = new ArrayList<>();
        if (n.space() == null && n.group() == null) {
            if (m == null) return out;
            for (String d : List.of("shared", "system", "user")) out.add(FileInfo.directory("/mem/" + d));
            return out;
        }
        if (m == null) throw unbound(p);
        if (n.group() != null) {
            SpaceKind kind = n.group().equals("user") ? SpaceKind.USER : SpaceKind.SHARED;
            m.spaces().stream().filter(s -> s.kind() == kind)
                    .sorted(kind == SpaceKind.USER
                            ? Comparator.comparingLong(s -> Long.parseLong(s.name().substring("user/".length())))
                            : Comparator.comparing(SpaceInfo::name))
                    .forEach(s -> out.add(FileInfo.directory(spacePath(s.name()))));
            return out;
        }
        if (!n.directory()) {
            entry(m, c, n); // ENOENT when there is no such key
            throw new SyscallException(Errno.EINVAL, p + " is a file, not a directory");
        }
        MemCaller mc = caller(c);
        String owner = m.space(n.space()).map(SpaceInfo::owner).orElse(null);
        String after = null;
        do {
            EntryPage page = m.list(mc, n.space(), "", after, PAGE);
            for (EntryInfo e : page.entries()) out.add(file(spacePath(n.space()) + "/" + MemNames.encode(e.key()), e, owner));
            after = page.next();
        } while (after != null);
        return out;
    }

    static InputStream read(MemoryManager m, FsCaller c, String p, long version) throws SyscallException {
        if (version < 0) throw new SyscallException(Errno.EINVAL, "version must be 0 (latest) or positive");
        Node n = parse(p);
        if (n.directory()) {
            stat(m, c, p); // ENOENT for what is not there
            throw new SyscallException(Errno.ENOENT, p + " is a directory");
        }
        if (m == null) throw unbound(p);
        EntryInfo e = entry(m, c, n);
        if (version != 0 && version != e.version()) {
            throw new SyscallException(Errno.ENOENT, "no version " + version + " of " + p + ": /mem has only the current one (v"
                    + e.version() + ")");
        }
        // A paged-out working entry shows what stays resident of it: get() would page it back in,
        // and reading a file must not change the process's context window. (Between list() and
        // get() an entry can still be paged out by another call; get() then pages it in.)
        if (e.working() && !e.resident()) {
            return new ByteArrayInputStream(e.summary() == null ? new byte[0] : e.summary().getBytes(StandardCharsets.UTF_8));
        }
        MemEntry v = m.get(caller(c), n.space(), n.key());
        if (v.blob() != null) return new ByteArrayInputStream(v.blob());
        try {
            return new ByteArrayInputStream((JSON.writeValueAsString(v.json()) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new SyscallException(Errno.EIO, "rendering " + p + ": " + ex.getMessage());
        }
    }

    static List<FileInfo> history(MemoryManager m, FsCaller c, String p) throws SyscallException {
        FileInfo f = stat(m, c, p);
        if (f.isDirectory()) throw new SyscallException(Errno.ENOENT, "no history for " + p + ": a directory");
        return List.of(f);
    }

    /** The key's entry, as the manager's list() reports it (so that nothing is paged in); ENOENT when absent. */
    private static EntryInfo entry(MemoryManager m, FsCaller c, Node n) throws SyscallException {
        // the key is the first entry with itself as the prefix, when it exists
        List<EntryInfo> first = m.list(caller(c), n.space(), n.key(), null, 1).entries();
        if (first.isEmpty() || !first.get(0).key().equals(n.key())) {
            throw new SyscallException(Errno.ENOENT, "no key '" + n.key() + "' in " + n.space() + " (" + n.path() + ")");
        }
        return first.get(0);
    }

    private static FileInfo file(String path, EntryInfo e, String owner) {
        // size is the stored size the manager counts against quotas: a JSON document reads as
        // pretty text, a paged-out entry as its summary, so the bytes read may differ from it
        return FileInfo.file(path, e.version(), e.bytes(), null, false, e.modifiedMillis(), e.modifiedBy(), owner,
                null, null, 0);
    }
}
