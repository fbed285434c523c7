package org.agentos.kernel.impl.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: space-aligned columns, no ANSI codes, no terminal width lookup, so it reads
 * the same in a terminal, over an ssh exec channel and in a script's captured output.
 */
final class TextTable {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... headers) {
        this.headers = headers;
    }

    void row(Object... cells) {
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            Object c = i < cells.length ? cells[i] : null;
            r[i] = c == null ? "-" : c.toString();
        }
        rows.add(r);
    }

    int size() {
        return rows.size();
    }

    void print(PrintStream out) {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) width[i] = headers[i].length();
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        }
        line(out, headers, width);
        for (String[] r : rows) line(out, r, width);
    }

    private static void line(PrintStream out, String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) b.append("  ");
            b.append(cells[i]);
            if (i < cells.length - 1) b.append(" ".repeat(width[i] - cells[i].length()));
        }
        out.println(b.toString().stripTrailing());
    }
}
