package org.agentos.kernel.api.fs;

/**
 * What one owner stores against its quota: live files and their bytes, and the bytes of the
 * older versions kept as their history (which count too: the oldest go first when a write needs
 * the room).
 */
public final class FsUsage {
    private final String owner;
    private final long bytes;
    private final long files;
    private final long quotaBytes;
    private final long quotaFiles;
    private final long historyBytes;

    public FsUsage(String owner, long bytes, long files, long quotaBytes, long quotaFiles) {
        this(owner, bytes, files, quotaBytes, quotaFiles, 0);
    }

    public FsUsage(String owner, long bytes, long files, long quotaBytes, long quotaFiles, long historyBytes) {
        this.historyBytes = historyBytes;
        this.owner = owner;
        this.bytes = bytes;
        this.files = files;
        this.quotaBytes = quotaBytes;
        this.quotaFiles = quotaFiles;
    }

    public String owner() { return owner; }
    public long bytes() { return bytes; }
    public long files() { return files; }
    /** {@code Long.MAX_VALUE}: no limit. */
    public long quotaBytes() { return quotaBytes; }
    public long quotaFiles() { return quotaFiles; }
    /** Bytes of the kept older versions (and of deleted files' last versions): counted against {@link #quotaBytes()} with {@link #bytes()}. */
    public long historyBytes() { return historyBytes; }
}
