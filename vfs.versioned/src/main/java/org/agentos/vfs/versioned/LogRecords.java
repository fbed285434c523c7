package org.agentos.vfs.versioned;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The payloads of the filesystem log's records (see {@link VersionStore}), each starting with its
 * type: a chunk (SHA-256 and bytes), a version (and whose quota it counts against, with that
 * owner's usage after it), an explicit directory, the expiry of a kept older version, a fork's
 * view of the files beginning and ending.
 */
final class LogRecords {
    static final byte CHUNK = 1;
    static final byte VERSION = 2;
    static final byte DIR = 3;
    /** A kept older version expired to make room for its owner's write: owner, version key. */
    static final byte EXPIRE = 4;
    /** A fork's view of the files ({@link ForkViews}): pid, owner, base, its trees, whose view it sees through, ended. */
    static final byte VIEW = 5;
    /** A fork's view ends, as its process did: pid. */
    static final byte UNVIEW = 6;

    private LogRecords() {}

    static byte[] chunk(byte[] hash, byte[] data) {
        byte[] p = new byte[33 + data.length];
        p[0] = CHUNK;
        System.arraycopy(hash, 0, p, 1, 32);
        System.arraycopy(data, 0, p, 33, data.length);
        return p;
    }

    /** A version, then its holder and the holder's usage after it (kept for people reading the log; replay counts usage from the heads). */
    static byte[] version(VersionStore.Version v, VersionStore.Usage after) {
        return version(v, after, null);
    }

    /**
     * As {@link #version(VersionStore.Version, VersionStore.Usage)}, then the call that made it,
     * when a process's ({@code FsCaller.callId()}): records written before there was one end
     * after the usage, so they read as made by no call.
     */
    static byte[] version(VersionStore.Version v, VersionStore.Usage after, String callId) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128 + 32 * v.chunks().size());
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(VERSION);
            writeVersion(out, v);
            out.writeUTF(v.holder());
            out.writeLong(after.bytes());
            out.writeLong(after.files());
            if (callId != null) out.writeUTF(callId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] dir(String path) {
        return strings(DIR, path);
    }

    static byte[] expire(String owner, String versionKey) {
        return strings(EXPIRE, owner, versionKey);
    }

    static byte[] view(ForkViews.View v) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(VIEW);
            out.writeLong(v.pid());
            out.writeUTF(v.owner());
            out.writeUTF(v.base());
            out.writeInt(v.trees().size());
            for (String t : v.trees()) out.writeUTF(t);
            out.writeLong(v.below());
            out.writeBoolean(v.ended());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static ForkViews.View readView(DataInputStream in) throws IOException {
        long pid = in.readLong();
        String owner = in.readUTF();
        String base = in.readUTF();
        int n = in.readInt();
        List<String> trees = new ArrayList<>(n);
        for (int i = 0; i < n; i++) trees.add(in.readUTF());
        return new ForkViews.View(pid, owner, base, List.copyOf(trees), in.readLong(), in.readBoolean());
    }

    static byte[] unview(long pid) {
        return java.nio.ByteBuffer.allocate(9).put(UNVIEW).putLong(pid).array();
    }

    private static byte[] strings(byte type, String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(type);
            for (String v : values) out.writeUTF(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Version keys sort by path, then number: a path's history is one range. */
    static String versionKey(String path, long number) {
        return path + '\0' + padded(number);
    }

    /** 19 digits, zero-padded: numbers sort as text. String.format costs a microsecond here. */
    static String padded(long n) {
        String s = Long.toString(n);
        return "0000000000000000000".substring(s.length()) + s;
    }

    private static void writeVersion(DataOutputStream out, VersionStore.Version v) throws IOException {
        out.writeUTF(v.path());
        out.writeLong(v.number());
        out.writeLong(v.size());
        out.writeBoolean(v.sha256() != null);
        if (v.sha256() != null) out.write(HexFormat.of().parseHex(v.sha256()));
        out.writeInt(v.chunks().size());
        for (String k : v.chunks()) out.write(HexFormat.of().parseHex(k));
        out.writeLong(v.time());
        out.writeLong(v.pid());
        out.writeUTF(v.owner());
        out.writeUTF(v.bundle() == null ? "" : v.bundle());
        out.writeUTF(v.syscall() == null ? "" : v.syscall());
        out.writeBoolean(v.deleted());
        out.writeLong(v.restoredFrom());
    }

    /** After {@link #readVersion}: the call that made the version, or null (the usage after it is skipped). */
    static String readCallId(DataInputStream in) throws IOException {
        in.skipNBytes(16);
        return in.available() > 0 ? in.readUTF() : null;
    }

    /** A version record's version, its holder included (the usage after it is left unread). */
    static VersionStore.Version readVersion(DataInputStream in) throws IOException {
        String path = in.readUTF();
        long number = in.readLong();
        long size = in.readLong();
        String sha = in.readBoolean() ? HexFormat.of().formatHex(in.readNBytes(32)) : null;
        int n = in.readInt();
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) keys.add(HexFormat.of().formatHex(in.readNBytes(32)));
        long time = in.readLong();
        long pid = in.readLong();
        String owner = in.readUTF();
        String bundle = in.readUTF();
        String syscall = in.readUTF();
        boolean deleted = in.readBoolean();
        long restoredFrom = in.readLong();
        String holder = in.readUTF();
        return new VersionStore.Version(path, number, size, sha, List.copyOf(keys), time, pid, owner,
                bundle.isEmpty() ? null : bundle, syscall.isEmpty() ? null : syscall, deleted, restoredFrom, holder);
    }
}
