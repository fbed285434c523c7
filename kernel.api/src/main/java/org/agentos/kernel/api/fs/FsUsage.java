package org.agentos.kernel.api.fs;

/** What one owner stores: live files and their bytes, against the owner's quota. */
public final class FsUsage {
    private final String owner;
    private final long bytes;
    private final long files;
    private final long quotaBytes;
    private final long quotaFiles;

    public FsUsage(String owner, long bytes, long files, long quotaBytes, long quotaFiles) {
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
}
