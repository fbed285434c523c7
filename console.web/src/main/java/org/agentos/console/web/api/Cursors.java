package org.agentos.console.web.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.agentos.kernel.api.process.ProcessCursor;
import org.agentos.kernel.api.process.ProcessOrder;

/**
 * A place in a listing as the page carries it: {@code <pid>.<key>} in URL-safe Base64 (the key
 * a number or text, as the order has it). Hostile input: anything else is EINVAL.
 */
final class Cursors {
    private Cursors() {}

    static String encode(ProcessCursor c) {
        String plain = c.pid() + "." + (c.text() != null ? c.text() : Long.toString(c.number()));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    static ProcessCursor decode(String s, ProcessOrder order) throws ApiException {
        if (s == null || s.isEmpty()) return null;
        if (s.length() > 512) throw ApiException.invalid("cursor too long");
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("bad cursor '" + s + "'");
        }
        int dot = plain.indexOf('.');
        try {
            long pid = Long.parseLong(plain.substring(0, Math.max(dot, 0)));
            String key = plain.substring(dot + 1);
            return order.textual() ? new ProcessCursor(key, 0, pid) : new ProcessCursor(null, Long.parseLong(key), pid);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw ApiException.invalid("bad cursor '" + s + "'");
        }
    }
}
