package org.agentos.kernel.api.fs;

import java.io.InputStream;
import java.util.List;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The virtual filesystem. Every method checks the caller's capabilities ({@code fs:read:<path>},
 * {@code fs:write:<path>}; {@code EPERM} names the one missing), normalizes the path ({@code EINVAL}
 * for anything unsafe) and records who did what. Under {@code /home} and {@code /shared} every
 * change is a new version; {@code /tmp} is not versioned and a process's files there go when it
 * exits; {@code /proc} is synthetic and read-only ({@code EPERM} on writes).
 */
@org.osgi.annotation.versioning.ProviderType
public interface FileSystem {

    /** Stores {@code data} as the new version of {@code path}; returns it once it is durable. */
    FileInfo write(FsCaller caller, String path, InputStream data) throws SyscallException;

    /** Adds {@code data} at the end of {@code path} (creating it), as a new version. */
    FileInfo append(FsCaller caller, String path, InputStream data) throws SyscallException;

    /** The content of {@code version} of {@code path} (0: the latest), as a stream the caller closes. */
    InputStream read(FsCaller caller, String path, long version) throws SyscallException;

    /** The latest version of a file, or a directory. {@code ENOENT} when there is neither. */
    FileInfo stat(FsCaller caller, String path) throws SyscallException;

    /** The entries directly in a directory, files with their latest version. */
    List<FileInfo> list(FsCaller caller, String directory) throws SyscallException;

    /** Deletes a file; its history stays (a version that records the deletion). */
    FileInfo delete(FsCaller caller, String path) throws SyscallException;

    /** Every version of a file, oldest first, deletions included. */
    List<FileInfo> history(FsCaller caller, String path) throws SyscallException;

    /** The versions process {@code pid} made, oldest first, at most {@code limit}: the audit trail per process. */
    List<FileInfo> changesBy(FsCaller caller, long pid, int limit) throws SyscallException;

    /** A unified diff between two versions of a text file ({@code to} 0: the latest). */
    String diff(FsCaller caller, String path, long from, long to) throws SyscallException;

    /** Makes an old version the latest again, as a new version. */
    FileInfo restore(FsCaller caller, String path, long version) throws SyscallException;

    /** Creates a directory (and its parents). {@code EEXIST} if a file has that path. */
    FileInfo mkdir(FsCaller caller, String path) throws SyscallException;

    /** Storage per owner, with quotas. */
    List<FsUsage> usage();

    /**
     * Gives process {@code child}, a fork of {@code parent}, a workspace of its own: the trees
     * under {@code /home} that {@code capabilities} let it write ({@link WorkspaceTrees}) are seen
     * through a layer of its own, {@code /home/<owner>/.forks/<child>/}, over what the parent sees
     * now. Its writes go to its layer; what changes below it after the fork is kept in its layer
     * first, so it goes on seeing the files of that moment. Constant time: nothing is copied until
     * something changes, and then only that file's record (the content's chunks are shared). Its
     * other paths are everyone's. The layer stays after the child ends, as files of its owner.
     *
     * @return the directory of its layer, or null when the capabilities name no tree under /home
     * @throws SyscallException EEXIST when {@code child} has a view already
     * @since 1.3
     */
    String fork(long parent, long child, String owner, List<String> capabilities) throws SyscallException;
}
