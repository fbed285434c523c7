package org.agentos.kernel.impl.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON by hand: the audit writer turns millions of records a
 * second into lines, and a fixed-shape record is several times cheaper to write this way than
 * through a generic generator. Nested JSON values (syscall arguments and results) still go
 * through Jackson.
 */
final class JsonLines {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] buf = new byte[1 << 16];
    private int len;

    void reset() {
        len = 0;
    }

    int length() {
        return len;
    }

    byte[] array() {
        return buf;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    static byte[] encodeAscii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    JsonLines bytes(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, buf, len, length);
        len += length;
        return this;
    }

    JsonLines bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    JsonLines raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** Writes {@code ,"name":} (without the comma when {@code first}). */
    JsonLines field(String name, boolean first) {
        ensure(name.length() + 4);
        if (!first) buf[len++] = ',';
        buf[len++] = '"';
        for (int i = 0; i < name.length(); i++) buf[len++] = (byte) name.charAt(i);
        buf[len++] = '"';
        buf[len++] = ':';
        return this;
    }

    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private long cachedValue = Long.MIN_VALUE;
    private final byte[] cachedDigits = new byte[20];
    private int cachedLength;

    /** Like {@link #number} for a value that repeats (a millisecond timestamp): encoded once per value. */
    JsonLines repeatedNumber(long v) {
        if (v != cachedValue || cachedLength == 0) {
            int start = len;
            number(v);
            cachedLength = len - start;
            System.arraycopy(buf, start, cachedDigits, 0, cachedLength);
            cachedValue = v;
            return this;
        }
        ensure(cachedLength);
        System.arraycopy(cachedDigits, 0, buf, len, cachedLength);
        len += cachedLength;
        return this;
    }

    private long lastSequence = -1;
    private final byte[] sequenceDigits = new byte[20];
    private int sequenceStart = 20;

    /**
     * Like {@link #number} for a strictly increasing counter (the audit sequence number): the
     * next value is the last one's decimal digits plus one, with no division.
     */
    JsonLines sequence(long v) {
        if (v < 0 || v != lastSequence + 1 || lastSequence < 0) {
            int start = len;
            number(v);
            int n = len - start;
            sequenceStart = 20 - n;
            System.arraycopy(buf, start, sequenceDigits, sequenceStart, n);
        } else {
            int i = 19;
            while (i >= sequenceStart && sequenceDigits[i] == '9') {
                sequenceDigits[i--] = '0';
            }
            if (i < sequenceStart) {
                sequenceDigits[--sequenceStart] = '1';
            } else {
                sequenceDigits[i]++;
            }
            int n = 20 - sequenceStart;
            ensure(n);
            System.arraycopy(sequenceDigits, sequenceStart, buf, len, n);
            len += n;
        }
        lastSequence = v;
        return this;
    }

    /** Decimal digits, two at a time (half the divisions of the schoolbook loop). */
    JsonLines number(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii("-9223372036854775808");
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        int pos = len + digits;
        len = pos;
        while (v >= 100) {
            int r = (int) (v % 100);
            v /= 100;
            buf[--pos] = DIGIT_PAIRS[2 * r + 1];
            buf[--pos] = DIGIT_PAIRS[2 * r];
        }
        if (v >= 10) {
            buf[--pos] = DIGIT_PAIRS[2 * (int) v + 1];
            buf[--pos] = DIGIT_PAIRS[2 * (int) v];
        } else {
            buf[--pos] = (byte) ('0' + v);
        }
        return this;
    }

    private JsonLines ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
        return this;
    }

    private static final int STRING_CACHE = 256;
    /** Longer strings are not kept: the cache is for names, not for details. */
    private static final int MAX_CACHED_BYTES = 256;
    private final String[] cachedStrings = new String[STRING_CACHE];
    private final byte[][] cachedQuoted = new byte[STRING_CACHE][];

    /**
     * Like {@link #string} for a value that recurs (a syscall name, an owner, an outcome): its
     * quoted bytes are kept after the first time and found again by identity, which is exact for
     * an immutable String, so that a hit is one copy instead of a scan and a copy per character.
     */
    JsonLines repeatedString(String s) {
        int slot = s.hashCode() & (STRING_CACHE - 1);
        if (cachedStrings[slot] == s) return bytes(cachedQuoted[slot]);
        int start = len;
        string(s);
        if (len - start <= MAX_CACHED_BYTES) {
            cachedQuoted[slot] = Arrays.copyOfRange(buf, start, len);
            cachedStrings[slot] = s;
        }
        return this;
    }

    JsonLines string(String s) {
        int n = s.length();
        ensure(n + 2);
        if (plain(s, n)) {
            // The common case (names, owners, errnos): printable ASCII with nothing to escape.
            buf[len++] = '"';
            for (int i = 0; i < n; i++) buf[len++] = (byte) s.charAt(i);
            buf[len++] = '"';
            return this;
        }
        buf[len++] = '"';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                ensure(2);
                buf[len++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                ensure(3);
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c < 0x20 || c == 0x7f) {
                ensure(7);
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[(c >> 4) & 0xf];
                buf[len++] = HEX[c & 0xf];
            } else {
                // Non-ASCII: encode the rest of the string as UTF-8 (surrogate pairs included).
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < s.length()) end++;
                byte[] utf8 = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length + 1);
                System.arraycopy(utf8, 0, buf, len, utf8.length);
                len += utf8.length;
                i = end - 1;
            }
        }
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    private static boolean plain(String s, int n) {
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        }
        return true;
    }

    JsonLines json(JsonNode node) {
        // Jackson's UTF-8 generator straight into this buffer: valid, escaped JSON, without the
        // String and the second encoding pass of node.toString() (a third of the audit writer's time
        // under large batches of messages, measured).
        try (com.fasterxml.jackson.core.JsonGenerator g = TREES.getFactory().createGenerator(sink)) {
            TREES.writeTree(g, node);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return this;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper TREES = new com.fasterxml.jackson.databind.ObjectMapper();

    /** This buffer as a stream for the generator; closing it does nothing. */
    private final java.io.OutputStream sink = new java.io.OutputStream() {
        @Override
        public void write(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int n) {
            ensure(n);
            System.arraycopy(b, off, buf, len, n);
            len += n;
        }
    };
}
