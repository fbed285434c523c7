package org.agentos.kernel.impl.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * One record of the call journal, and its compact binary form: a kind byte, then variable-length
 * integers and length-prefixed UTF-8 (JSON for arguments, results and states). A result record
 * is about 30 bytes plus its JSON; the audit log's JSON line of the same call is ~115.
 *
 * @param kind    {@link #START}, {@link #RESULT}, {@link #EXIT} or {@link #SNAPSHOT}
 * @param pid     the process
 * @param seq     RESULT: the call's place among the process's journaled calls, from 1; START: the parent's pid;
 *                SNAPSHOT: the journaled calls it stands for
 * @param millis  wall clock when it happened
 * @param name    START: the program; RESULT: the syscall
 * @param owner   START: the owner; else null
 * @param json    START: the program's first state; RESULT: the call's arguments (null: none); SNAPSHOT:
 *                {@code {state, last?: result, call?: {name, args}}}
 * @param errno   RESULT: null when the call succeeded
 * @param result  RESULT: its value (success) or null
 * @param message RESULT: the error's message, or null
 * @param tokens  RESULT: LLM tokens the call charged
 * @param bytes   RESULT: bytes the call charged
 */
public record JournalRecord(byte kind, long pid, long seq, long millis, String name, String owner, JsonNode json,
                            Errno errno, JsonNode result, String message, long tokens, long bytes) {
    public static final byte START = 1;
    public static final byte RESULT = 2;
    public static final byte EXIT = 3;
    /**
     * What a compaction leaves of a live process's older records: its state after {@code seq}
     * journaled calls, with the result it had not stepped with yet ({@code last}) or the call it
     * was making ({@code call}), from which replay starts instead of from START.
     */
    public static final byte SNAPSHOT = 4;

    /** An errno by its name (names, not ordinals, are on disk: a later API may add errnos); EIO for one this kernel lacks. */
    private static Errno errnoNamed(String name) {
        if (name == null) return null;
        try {
            return Errno.valueOf(name);
        } catch (IllegalArgumentException unknown) {
            return Errno.EIO;
        }
    }

    public static JournalRecord start(long pid, long ppid, long millis, String program, String owner, JsonNode state) {
        return new JournalRecord(START, pid, ppid, millis, program, owner, state, null, null, null, 0, 0);
    }

    /** START: the parent's pid. */
    public long ppid() {
        return kind == START ? seq : 0;
    }

    public static JournalRecord result(long pid, long seq, long millis, String name, JsonNode args, SyscallResult r,
                                       long tokens, long bytes) {
        return new JournalRecord(RESULT, pid, seq, millis, name, null, args == null || args.isEmpty() ? null : args,
                r.errno(), r.isOk() ? r.value() : null, r.isOk() ? null : r.message(), tokens, bytes);
    }

    public static JournalRecord snapshot(long pid, long seq, long millis, String program, String owner, JsonNode snapshot) {
        return new JournalRecord(SNAPSHOT, pid, seq, millis, program, owner, snapshot, null, null, null, 0, 0);
    }

    public static JournalRecord exit(long pid, long millis) {
        return new JournalRecord(EXIT, pid, 0, millis, null, null, null, null, null, null, 0, 0);
    }

    /**
     * This record as JSON (the fields as Jackson names them), sharing its argument and result
     * trees rather than copying them: an image of an agent whose calls carried megabytes.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson(ObjectMapper mapper) {
        var o = mapper.createObjectNode().put("kind", kind).put("pid", pid).put("seq", seq).put("millis", millis);
        if (name != null) o.put("name", name);
        if (owner != null) o.put("owner", owner);
        if (json != null) o.set("json", json);
        if (errno != null) o.put("errno", errno.name());
        if (result != null) o.set("result", result);
        if (message != null) o.put("message", message);
        if (tokens != 0) o.put("tokens", tokens);
        if (bytes != 0) o.put("bytes", bytes);
        return o;
    }

    /** The result as the process was given it. */
    public SyscallResult syscallResult() {
        return errno == null ? SyscallResult.ok(result) : SyscallResult.error(errno, message);
    }

    byte[] encode(ObjectMapper json) {
        Out out = new Out();
        out.write(kind);
        out.varlong(pid);
        out.varlong(millis);
        switch (kind) {
            case START, SNAPSHOT -> {
                out.varlong(seq);
                out.string(name);
                out.string(owner);
                out.json(json, this.json);
            }
            case RESULT -> {
                out.varlong(seq);
                out.string(name);
                out.json(json, this.json);
                out.string(errno == null ? null : errno.name());
                if (errno == null) out.json(json, result);
                else out.string(message);
                out.varlong(tokens);
                out.varlong(bytes);
            }
            default -> { }
        }
        return out.toByteArray();
    }

    static JournalRecord decode(byte[] b, ObjectMapper json) throws IOException {
        return decode(b, json, false);
    }

    /**
     * {@code raw}: arguments and results stay the JSON text they are on disk (a raw-value node that
     * writes itself out as it is) rather than parsed: an image copies them, and megabytes of arguments
     * cost a parse and an escaping pass each otherwise.
     */
    static JournalRecord decode(byte[] b, ObjectMapper json, boolean raw) throws IOException {
        In in = new In(b, raw);
        byte kind = (byte) in.read();
        long pid = in.varlong();
        long millis = in.varlong();
        return switch (kind) {
            case START, SNAPSHOT -> {
                long seq = in.varlong();
                yield new JournalRecord(kind, pid, seq, millis, in.string(), in.string(), in.json(json), null, null, null, 0, 0);
            }
            case RESULT -> {
                long seq = in.varlong();
                String name = in.string();
                JsonNode args = in.json(json);
                Errno errno = errnoNamed(in.string());
                JsonNode value = errno == null ? in.json(json) : null;
                String message = errno == null ? null : in.string();
                yield new JournalRecord(RESULT, pid, seq, millis, name, null, args, errno, value, message, in.varlong(),
                        in.varlong());
            }
            case EXIT -> exit(pid, millis);
            default -> throw new IOException("a journal record of unknown kind " + kind);
        };
    }

    /** The pid of an encoded record, without decoding the rest. */
    static long pidOf(byte[] b) throws IOException {
        In in = new In(b);
        in.read();
        return in.varlong();
    }

    /** The kind of an encoded record. */
    static byte kindOf(byte[] b) {
        return b.length == 0 ? 0 : b[0];
    }

    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(64);
        }

        void varlong(long v) {
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        void string(String s) {
            if (s == null) {
                varlong(0);
                return;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varlong(b.length + 1L);
            write(b, 0, b.length);
        }

        void json(ObjectMapper json, JsonNode node) {
            if (node == null) {
                varlong(0);
                return;
            }
            try {
                byte[] b = json.writeValueAsBytes(node);
                varlong(b.length + 1L);
                write(b, 0, b.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static final class In {
        private final byte[] b;
        private final boolean raw;
        private int at;

        In(byte[] b) {
            this(b, false);
        }

        In(byte[] b, boolean raw) {
            this.b = b;
            this.raw = raw;
        }

        int read() throws IOException {
            if (at >= b.length) throw new IOException("a journal record ends early");
            return b[at++] & 0xFF;
        }

        long varlong() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = read();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new IOException("a malformed number in a journal record");
        }

        /** Length + 1, or 0 for null. */
        private int length() throws IOException {
            long n = varlong();
            if (n < 0 || n - 1 > b.length - at) throw new IOException("a journal record field longer than the record");
            return (int) n;
        }

        String string() throws IOException {
            int n = length();
            if (n == 0) return null;
            String s = new String(b, at, n - 1, StandardCharsets.UTF_8);
            at += n - 1;
            return s;
        }

        JsonNode json(ObjectMapper json) throws IOException {
            int n = length();
            if (n == 0) return null;
            JsonNode node = raw
                    ? json.getNodeFactory().rawValueNode(new com.fasterxml.jackson.databind.util.RawValue(
                            new String(b, at, n - 1, java.nio.charset.StandardCharsets.UTF_8)))
                    : json.readTree(b, at, n - 1);
            at += n - 1;
            return node;
        }
    }
}
