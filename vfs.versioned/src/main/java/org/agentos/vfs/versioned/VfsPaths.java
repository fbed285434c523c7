package org.agentos.vfs.versioned;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Path safety for the virtual filesystem. A path is absolute, '/'-separated UTF-8; {@code .} and
 * empty segments are dropped, a trailing '/' is ignored. Everything that could step outside a
 * root or smuggle a second meaning is refused rather than interpreted: {@code ..} (even where it
 * would stay inside), NUL and other control characters (C0 and C1), invisible formatting
 * characters (bidi overrides, zero-width characters), backslashes, segments over
 * {@value #MAX_SEGMENT_BYTES} bytes and paths over {@value #MAX_PATH_BYTES}. There are no links,
 * so a normalized path names exactly one place; names are in Unicode NFC, so a composed and a
 * decomposed spelling are one name.
 */
final class VfsPaths {
    static final int MAX_SEGMENT_BYTES = 255;
    static final int MAX_PATH_BYTES = 4096;

    private VfsPaths() {}

    /**
     * The normalized form of {@code path}, e.g. {@code /home/a/./notes//x.txt/} becomes
     * {@code /home/a/notes/x.txt}.
     *
     * @throws SyscallException EINVAL naming what is wrong
     */
    static String normalize(String path) throws SyscallException {
        if (path == null || path.isEmpty()) throw invalid(path, "a path is required");
        if (path.charAt(0) != '/') throw invalid(path, "a path must be absolute (start with /)");
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw invalid(path, "longer than " + MAX_PATH_BYTES + " bytes");
        }
        List<String> out = new ArrayList<>();
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.equals("..")) throw invalid(path, "'..' is not allowed");
            for (int i = 0; i < seg.length(); i++) {
                char c = seg.charAt(i);
                if (Character.isISOControl(c)) throw invalid(path, "control character U+" + String.format("%04X", (int) c));
                int type = Character.getType(c);
                if (type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                    // invisible: bidi overrides, zero-width characters, BOM; a name shown to a person must read as it is
                    throw invalid(path, "invisible formatting character U+" + String.format("%04X", (int) c) + " in a name");
                }
                if (c == '\\') throw invalid(path, "backslash is not a separator and not allowed in names");
                if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < seg.length()
                        && Character.isLowSurrogate(seg.charAt(i + 1)))
                        && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(seg.charAt(i - 1)))) {
                    throw invalid(path, "malformed UTF-16 in a name");
                }
            }
            // one spelling per name: "é" typed composed (NFC) or decomposed (NFD) is the same file
            seg = java.text.Normalizer.normalize(seg, java.text.Normalizer.Form.NFC);
            if (seg.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw invalid(path, "a name is longer than " + MAX_SEGMENT_BYTES + " bytes");
            }
            out.add(seg);
        }
        return "/" + String.join("/", out);
    }

    /** The parent of a normalized path ("/" for a top-level one and for "/"). */
    static String parent(String normalized) {
        int i = normalized.lastIndexOf('/');
        return i <= 0 ? "/" : normalized.substring(0, i);
    }

    /** The last segment of a normalized path ("" for "/"). */
    static String name(String normalized) {
        return normalized.substring(normalized.lastIndexOf('/') + 1);
    }

    /** Whether {@code path} is {@code root} or below it (both normalized). */
    static boolean within(String path, String root) {
        return root.equals("/") || path.equals(root) || path.startsWith(root + "/");
    }

    private static SyscallException invalid(String path, String why) {
        String shown = path == null ? "null" : path.length() > 80 ? path.substring(0, 80) + "..." : path;
        return new SyscallException(Errno.EINVAL, "bad path '" + shown.replace("\0", "\\0") + "': " + why);
    }
}
