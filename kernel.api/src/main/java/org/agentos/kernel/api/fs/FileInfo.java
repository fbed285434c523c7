package org.agentos.kernel.api.fs;

/**
 * One version of a file (or a directory entry): what {@code fs.stat}, {@code fs.list} and
 * {@code fs.history} report. A final class rather than a record, so that it can grow.
 */
public final class FileInfo {
    private final String path;
    private final boolean directory;
    private final long version;
    private final long size;
    private final String sha256;
    private final boolean deleted;
    private final long timeMillis;
    private final long pid;
    private final String owner;
    private final String bundle;
    private final String syscall;
    private final long restoredFrom;

    private FileInfo(String path, boolean directory, long version, long size, String sha256, boolean deleted,
                     long timeMillis, long pid, String owner, String bundle, String syscall, long restoredFrom) {
        this.path = path;
        this.directory = directory;
        this.version = version;
        this.size = size;
        this.sha256 = sha256;
        this.deleted = deleted;
        this.timeMillis = timeMillis;
        this.pid = pid;
        this.owner = owner;
        this.bundle = bundle;
        this.syscall = syscall;
        this.restoredFrom = restoredFrom;
    }

    /**
     * A file version.
     *
     * @param restoredFrom the version a restore copied, else 0
     */
    public static FileInfo file(String path, long version, long size, String sha256, boolean deleted, long timeMillis,
                                long pid, String owner, String bundle, String syscall, long restoredFrom) {
        return new FileInfo(path, false, version, size, sha256, deleted, timeMillis, pid, owner, bundle, syscall,
                restoredFrom);
    }

    /** A directory (it has no versions of its own). */
    public static FileInfo directory(String path) {
        return new FileInfo(path, true, 0, 0, null, false, 0, 0, null, null, null, 0);
    }

    /** Absolute, normalized path. */
    public String path() { return path; }
    public boolean isDirectory() { return directory; }
    /** Version number, from 1; 0 for a directory or a synthetic file. */
    public long version() { return version; }
    public long size() { return size; }
    /** SHA-256 of the content (hex), null for directories and deletions. */
    public String sha256() { return sha256; }
    /** This version records a deletion. */
    public boolean deleted() { return deleted; }
    public long timeMillis() { return timeMillis; }
    /** The process that made this version (0: an operator). */
    public long pid() { return pid; }
    /** Whose process made it. */
    public String owner() { return owner; }
    /** The bundle the change came through. */
    public String bundle() { return bundle; }
    /** The system call (or console command) that made it. */
    public String syscall() { return syscall; }
    public long restoredFrom() { return restoredFrom; }

    @Override
    public String toString() {
        return directory ? path + "/" : path + " v" + version + (deleted ? " (deleted)" : ", " + size + " bytes");
    }
}
