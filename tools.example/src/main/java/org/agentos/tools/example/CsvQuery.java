package org.agentos.tools.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code csv.query}: a small SQL-ish query over CSV text, {@code SELECT … WHERE … AND … ORDER BY …
 * LIMIT …}. Two values compare as numbers when both parse as decimal numbers, else as strings
 * (UTF-16 order); {@code contains} and {@code startsWith} always compare strings, case-sensitively.
 * Cells come back as the text the CSV holds, so that {@code 007} stays {@code 007}.
 */
@Component(service = Tool.class)
public class CsvQuery implements Tool {
    static final int MAX_CSV = 4 << 20;
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("csv.query").version("1.0.0")
            .description("queries CSV text (RFC 4180, first row = header): select columns, where (AND) with "
                    + "= != < <= > >= contains startsWith, orderBy, limit; numbers compare as numbers")
            .args(Schemas.parse("{\"type\":\"object\",\"properties\":{"
                    + "\"csv\":{\"type\":\"string\",\"maxLength\":" + MAX_CSV + "},"
                    + "\"select\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":1000,"
                    + "\"description\":\"column names; all columns when absent\"},"
                    + "\"where\":{\"type\":\"array\",\"maxItems\":100,\"items\":{\"type\":\"object\",\"properties\":{"
                    + "\"column\":{\"type\":\"string\"},"
                    + "\"op\":{\"enum\":[\"=\",\"!=\",\"<\",\"<=\",\">\",\">=\",\"contains\",\"startsWith\"]},"
                    + "\"value\":{\"type\":[\"string\",\"number\"]}},"
                    + "\"required\":[\"column\",\"op\",\"value\"],\"additionalProperties\":false}},"
                    + "\"orderBy\":{\"type\":\"object\",\"properties\":{\"column\":{\"type\":\"string\"},"
                    + "\"descending\":{\"type\":\"boolean\",\"default\":false}},"
                    + "\"required\":[\"column\"],\"additionalProperties\":false},"
                    + "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":" + MAX_LIMIT + ",\"default\":"
                    + DEFAULT_LIMIT + "},"
                    + "\"delimiter\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1,\"default\":\",\"}},"
                    + "\"required\":[\"csv\"],\"additionalProperties\":false}"))
            .result(Schemas.parse("{\"type\":\"object\",\"properties\":{"
                    + "\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
                    + "\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                    + "\"matched\":{\"type\":\"integer\",\"description\":\"rows that matched, before the limit\"},"
                    + "\"truncated\":{\"type\":\"boolean\"}}}"))
            .resourceClass(ResourceClass.CPU).determinism(Determinism.PURE).idempotent(true)
            .timeout(Duration.ofSeconds(10)).build();

    /** One {@code where} clause, its value parsed once. */
    private record Condition(int column, String op, String text, BigDecimal number) {}

    /** A matching row with its sort key parsed once. */
    private record Match(String[] cells, BigDecimal key) {}

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        Csv.Table table = Csv.parse(args.path("csv").asText(""), args.path("delimiter").asText(",").charAt(0));

        List<String> columns = new ArrayList<>();
        List<Integer> selected = new ArrayList<>();
        if (args.has("select")) {
            for (JsonNode c : args.get("select")) {
                selected.add(table.column(c.asText()));
                columns.add(c.asText());
            }
        } else {
            columns.addAll(table.columns());
            for (int i = 0; i < columns.size(); i++) selected.add(i);
        }
        List<Condition> where = new ArrayList<>();
        for (JsonNode w : args.path("where")) {
            JsonNode value = w.path("value");
            String text = value.asText();
            BigDecimal number = value.isNumber() ? value.decimalValue() : number(text);
            where.add(new Condition(table.column(w.path("column").asText()), w.path("op").asText(), text, number));
        }
        JsonNode orderBy = args.get("orderBy");
        int sortColumn = orderBy == null ? -1 : table.column(orderBy.path("column").asText());
        int limit = args.path("limit").asInt(DEFAULT_LIMIT);

        List<Match> matches = new ArrayList<>();
        for (Csv.Row row : table.rows()) {
            if (matchesAll(row.cells(), where)) {
                matches.add(new Match(row.cells(), sortColumn < 0 ? null : number(row.cells()[sortColumn])));
            }
        }
        if (sortColumn >= 0) {
            Comparator<Match> order = (a, b) -> compare(a.cells()[sortColumn], a.key(), b.cells()[sortColumn], b.key());
            // List.sort is stable: rows with equal keys keep the CSV's order, either way.
            matches.sort(orderBy.path("descending").asBoolean(false) ? order.reversed() : order);
        }

        ObjectNode out = Schemas.JSON.createObjectNode();
        ArrayNode cols = out.putArray("columns");
        columns.forEach(cols::add);
        ArrayNode rows = out.putArray("rows");
        for (Match m : matches.subList(0, Math.min(limit, matches.size()))) {
            ArrayNode r = rows.addArray();
            for (int i : selected) r.add(m.cells()[i]);
        }
        out.put("matched", matches.size());
        out.put("truncated", matches.size() > limit);
        return out;
    }

    private static boolean matchesAll(String[] cells, List<Condition> where) throws SyscallException {
        for (Condition c : where) {
            String cell = cells[c.column()];
            boolean ok = switch (c.op()) {
                case "contains" -> cell.contains(c.text());
                case "startsWith" -> cell.startsWith(c.text());
                case "=" -> compare(cell, c) == 0;
                case "!=" -> compare(cell, c) != 0;
                case "<" -> compare(cell, c) < 0;
                case "<=" -> compare(cell, c) <= 0;
                case ">" -> compare(cell, c) > 0;
                case ">=" -> compare(cell, c) >= 0;
                default -> throw new SyscallException(Errno.EINVAL, "unknown operator '" + c.op() + "'");
            };
            if (!ok) return false;
        }
        return true;
    }

    private static int compare(String cell, Condition c) {
        BigDecimal n = c.number() == null ? null : number(cell);
        return n != null ? n.compareTo(c.number()) : cell.compareTo(c.text());
    }

    /** Numbers before text, numbers by value, text by UTF-16 order: a total order for mixed columns. */
    private static int compare(String a, BigDecimal an, String b, BigDecimal bn) {
        if (an != null && bn != null) return an.compareTo(bn);
        if (an != null) return -1;
        if (bn != null) return 1;
        return a.compareTo(b);
    }

    /** The decimal value of {@code s} (spaces around it allowed), or null when it is not a plain number. */
    static BigDecimal number(String s) {
        String t = s.strip();
        if (t.isEmpty() || !NUMBER.matcher(t).matches()) return null;
        try {
            return new BigDecimal(t);
        } catch (NumberFormatException e) {
            // an exponent beyond BigDecimal's range: not a number this tool can compare
            return null;
        }
    }
}
