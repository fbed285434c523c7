package org.agentos.vfs.versioned;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Memory keys (and shared space names) as file names, reversibly. A key may hold what a path
 * segment may not ({@code /}, {@code \}, control characters, the names {@code .} and {@code ..}),
 * so the file name is the key with {@code %}, {@code /}, {@code \} and control characters
 * percent-encoded ({@code %XX} per UTF-8 byte, upper-case hex), and the dots of a key that is
 * {@code .} or {@code ..} encoded as {@code %2E}. Everything else stays as it is, so plain keys read
 * plainly: {@code notes/today} is the file {@code notes%2Ftoday}.
 *
 * <p>Only the encoder's own output decodes: {@code %61} is not another name for {@code a}, so each
 * key has exactly one file name. A key whose name is over {@value VfsPaths#MAX_SEGMENT_BYTES}
 * bytes is listed but cannot be opened by path (the path rules refuse so long a segment).
 */
final class MemNames {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private MemNames() {}

    /** The file name of {@code key}. */
    static String encode(String key) {
        if (key.equals(".") || key.equals("..")) return "%2E".repeat(key.length());
        StringBuilder out = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '%' || c == '/' || c == '\\' || Character.isISOControl(c)) {
                if (out == null) out = new StringBuilder(key.length() + 8).append(key, 0, i);
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? key : out.toString();
    }

    /** The key whose file name is {@code name}, or null when no key has that name. */
    static String decode(String name) {
        if (name.indexOf('%') < 0) return encode(name).equals(name) ? name : null;
        ByteBuffer bytes = ByteBuffer.allocate(name.getBytes(StandardCharsets.UTF_8).length);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') {
                if (i + 2 >= name.length()) return null;
                int hi = Character.digit(name.charAt(i + 1), 16);
                int lo = Character.digit(name.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else {
                int cp = name.codePointAt(i);
                bytes.put(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        String key;
        try {
            key = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            return null; // %XX bytes that are not UTF-8: the encoder never writes them
        }
        return encode(key).equals(name) ? key : null;
    }
}
