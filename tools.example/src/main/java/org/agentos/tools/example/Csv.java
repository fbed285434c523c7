package org.agentos.tools.example;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * An RFC 4180 reader: fields may be quoted, a quoted field may hold delimiters, line breaks and
 * doubled quotes; records end with CRLF or LF (or a lone CR). The first record is the header.
 * Blank lines between records are skipped, so a trailing newline or a blank last line is harmless.
 * Errors name the line (1-based, counting the line breaks inside quoted fields) where they are.
 */
final class Csv {

    /** A record and the line it starts on. */
    record Row(String[] cells, int line) {}

    /** The header's names and the records after it. */
    record Table(List<String> columns, List<Row> rows) {

        /** The index of column {@code name}. */
        int column(String name) throws SyscallException {
            int i = columns.indexOf(name);
            if (i < 0) {
                throw new SyscallException(Errno.EINVAL, "no column '" + name + "' (columns: "
                        + String.join(", ", columns) + ")");
            }
            return i;
        }
    }

    private final String text;
    private final char delimiter;
    private int pos;
    private int line = 1;

    private Csv(String text, char delimiter) {
        this.text = text;
        this.delimiter = delimiter;
        // A byte-order mark is an encoding artefact, not part of the first column's name.
        this.pos = text.startsWith("\uFEFF") ? 1 : 0;
    }

    static Table parse(String text, char delimiter) throws SyscallException {
        if (delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
            throw new SyscallException(Errno.EINVAL, "the delimiter cannot be a quote or a line break");
        }
        Csv csv = new Csv(text, delimiter);
        List<Row> records = new ArrayList<>();
        for (Row r = csv.next(); r != null; r = csv.next()) records.add(r);
        if (records.isEmpty()) {
            throw new SyscallException(Errno.EINVAL, "the csv is empty: its first row must name the columns");
        }
        String[] header = records.get(0).cells();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < header.length; i++) {
            Integer first = seen.putIfAbsent(header[i], i);
            if (first != null) {
                throw new SyscallException(Errno.EINVAL, "the header names column '" + header[i] + "' twice (columns "
                        + (first + 1) + " and " + (i + 1) + ")");
            }
        }
        List<Row> rows = records.subList(1, records.size());
        for (Row r : rows) {
            if (r.cells().length != header.length) {
                throw new SyscallException(Errno.EINVAL, "line " + r.line() + " has " + r.cells().length
                        + " fields, the header has " + header.length);
            }
        }
        return new Table(List.of(header), List.copyOf(rows));
    }

    /** The next record, or null at the end of the text. */
    private Row next() throws SyscallException {
        while (lineBreak()) {
            // a blank line carries no record
        }
        if (pos >= text.length()) return null;
        int start = line;
        List<String> cells = new ArrayList<>();
        while (true) {
            cells.add(field());
            if (pos < text.length() && text.charAt(pos) == delimiter) {
                pos++;
            } else {
                lineBreak();
                return new Row(cells.toArray(new String[0]), start);
            }
        }
    }

    private String field() throws SyscallException {
        StringBuilder sb = new StringBuilder();
        if (pos < text.length() && text.charAt(pos) == '"') {
            int opened = line;
            pos++;
            while (true) {
                if (pos >= text.length()) {
                    throw new SyscallException(Errno.EINVAL, "unterminated quote: the quoted field that starts on line "
                            + opened + " never ends");
                }
                char c = text.charAt(pos++);
                if (c == '"') {
                    if (pos < text.length() && text.charAt(pos) == '"') {
                        sb.append('"');
                        pos++;
                        continue;
                    }
                    break;
                }
                if (c == '\n' || (c == '\r' && (pos >= text.length() || text.charAt(pos) != '\n'))) line++;
                sb.append(c);
            }
            if (pos < text.length() && !atFieldEnd()) {
                throw new SyscallException(Errno.EINVAL, "line " + line + ": text after the closing quote of a field "
                        + "(a quote inside a quoted field is written twice: \"\")");
            }
        } else {
            while (pos < text.length() && !atFieldEnd()) sb.append(text.charAt(pos++));
        }
        return sb.toString();
    }

    private boolean atFieldEnd() {
        char c = text.charAt(pos);
        return c == delimiter || c == '\n' || c == '\r';
    }

    /** Consumes one line break (CRLF, LF or CR) if there is one at the position. */
    private boolean lineBreak() {
        if (pos >= text.length()) return false;
        char c = text.charAt(pos);
        if (c == '\r') {
            pos += pos + 1 < text.length() && text.charAt(pos + 1) == '\n' ? 2 : 1;
        } else if (c == '\n') {
            pos++;
        } else {
            return false;
        }
        line++;
        return true;
    }
}
