package org.agentos.image.oci.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.fs.WorkspaceTrees;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The files layer: an agent's workspace (the trees its capabilities let it write, as it sees them,
 * without the forks' copies in a home) as a plain tar
 * of the versions current at the cut, named by path without the leading slash. Restored only
 * where the restored agent may write, as new versions (the history keeps what they replace), and
 * only files whose content differs. A tar from elsewhere is untrusted: links, devices, absolute
 * names and {@code ..} are refused before anything is written.
 */
final class WorkspaceFiles {
    /** The most files an image holds. */
    static final int MAX_FILES = 100_000;

    private WorkspaceFiles() {}

    /** A file version at the cut. */
    record Version(String path, long version, long size, String sha256, long timeMillis) {}

    /** Every file under {@code roots} as it is now (the process is held at its cut). */
    static List<Version> list(FileSystem fs, FsCaller reader, List<String> roots) throws SyscallException {
        List<Version> out = new ArrayList<>();
        ArrayDeque<String> dirs = new ArrayDeque<>();
        for (String root : roots) {
            FileInfo st;
            try {
                st = fs.stat(reader, root);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT) continue;
                throw e;
            }
            if (st.isDirectory()) dirs.add(root);
            else if (!st.deleted()) add(out, st);
        }
        while (!dirs.isEmpty()) {
            String dir = dirs.poll();
            for (FileInfo f : fs.list(reader, dir)) {
                if (f.isDirectory() && WorkspaceTrees.inForks(f.path())) continue; // forks' copies are theirs
                if (f.isDirectory()) dirs.add(f.path());
                else if (!f.deleted()) add(out, f);
            }
        }
        out.sort(java.util.Comparator.comparing(Version::path));
        return out;
    }

    private static void add(List<Version> out, FileInfo f) throws SyscallException {
        if (out.size() >= MAX_FILES) {
            throw new SyscallException(Errno.EQUOTA, "the workspace holds more than " + MAX_FILES + " files; an image holds at most that");
        }
        out.add(new Version(f.path(), f.version(), f.size(), f.sha256(), f.timeMillis()));
    }

    /** Writes the versions as a tar. */
    static void write(FileSystem fs, FsCaller reader, List<Version> files, OutputStream out) throws IOException, SyscallException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (Version v : files) {
            TarArchiveEntry e = new TarArchiveEntry(v.path().substring(1), true);
            e.setSize(v.size());
            e.setModTime(v.timeMillis());
            e.setMode(0644);
            tar.putArchiveEntry(e);
            long copied;
            try (InputStream in = fs.read(reader, v.path(), v.version())) {
                copied = in.transferTo(tar);
            }
            if (copied != v.size()) {
                throw new SyscallException(Errno.EIO, v.path() + " version " + v.version() + " read " + copied + " bytes, not "
                        + v.size());
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
    }

    /**
     * Checks every entry of a files layer: regular files with relative, normalized names, each a
     * path {@code granted} lets the restored agent write. Returns the paths, in order.
     */
    static List<String> check(InputStream layer, CapabilitySet granted, String blob) throws SyscallException {
        List<String> paths = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(layer)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isDirectory()) continue;
                String path = pathOf(e, blob);
                if (!regular(e)) {
                    throw new SyscallException(Errno.EINVAL, "files layer " + blob + ": '" + e.getName()
                            + "' is a link or a device; an image holds regular files only");
                }
                if (!granted.permits("fs:write:" + path)) {
                    throw new SyscallException(Errno.EPERM, "the image would write " + path
                            + ", which the restored agent's capabilities do not let it write");
                }
                if (paths.size() >= MAX_FILES) throw new SyscallException(Errno.EINVAL, "files layer " + blob + " holds more than " + MAX_FILES + " files");
                paths.add(path);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "files layer " + blob + " is not a readable tar: " + e.getMessage());
        }
        return paths;
    }

    /** Counts of a restore. */
    record Restored(int written, int unchanged) {}

    /** Writes the files of a checked layer: new versions where the content differs from what is there now. */
    static Restored restore(FileSystem fs, FsCaller writer, InputStream layer, String blob) throws SyscallException {
        int written = 0;
        int unchanged = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(layer)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (!regular(e)) continue;
                String path = pathOf(e, blob);
                byte[] content = tar.readNBytes((int) Math.min(e.getSize(), Integer.MAX_VALUE - 8));
                String sha = org.agentos.image.oci.layout.OciLayout.sha256(content);
                String now = null;
                try {
                    FileInfo current = fs.stat(writer, path);
                    if (!current.isDirectory() && !current.deleted()) now = current.sha256();
                } catch (SyscallException x) {
                    if (x.errno() != Errno.ENOENT) throw x;
                }
                if (sha.equals(now)) {
                    unchanged++;
                    continue;
                }
                fs.write(writer, path, new java.io.ByteArrayInputStream(content));
                written++;
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EINVAL, "files layer " + blob + " is not a readable tar: " + e.getMessage());
        }
        return new Restored(written, unchanged);
    }

    private static boolean regular(TarArchiveEntry e) {
        return e.isFile() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice() && !e.isBlockDevice() && !e.isFIFO();
    }

    /** An entry's name as an absolute VFS path; refused when it is absolute, not normalized, or climbs. */
    private static String pathOf(TarArchiveEntry e, String blob) throws SyscallException {
        String name = e.getName();
        if (name.isEmpty() || name.length() > 4096 || name.startsWith("/") || name.indexOf('\0') >= 0 || name.contains("\\")) {
            throw new SyscallException(Errno.EINVAL, "files layer " + blob + ": entry '" + abbreviate(name)
                    + "' is not a relative path");
        }
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String seg : trimmed.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new SyscallException(Errno.EINVAL, "files layer " + blob + ": entry '" + abbreviate(name)
                        + "' has an empty, '.' or '..' segment");
            }
        }
        return "/" + trimmed;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
