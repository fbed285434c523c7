package org.agentos.kernel.impl;

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

    JsonLines number(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii("-9223372036854775808");
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        return this;
    }

    private JsonLines ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
        return this;
    }

    JsonLines string(String s) {
        ensure(s.length() + 2);
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

    JsonLines json(JsonNode node) {
        // JsonNode.toString() is Jackson's serializer: valid, escaped JSON.
        byte[] bytes = node.toString().getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
        return this;
    }
}
